/** A delivery failure as people read it (src/i18n/failures.ts): by its cause, in their language; the provider's words for admins only. */
import { failureText } from '../../src/i18n/failures.js';
import { texts } from '../../src/i18n/index.js';
import { CHANNELS, type Channel, type FailureCause } from '../../src/domain/types.js';

const ru = texts('ru');
const en = texts('en');
const CAUSES: FailureCause[] = ['auth', 'balance', 'sender', 'address', 'config', 'limit', 'render', 'gone', 'other'];
const DETAIL = 'sms.ru sms/send: invalid phone number 79123456789 (code 202)';

describe('in Russian', () => {
  const cases: Array<[FailureCause, Channel, string]> = [
    ['auth', 'email', 'почтовый сервер не принял логин или пароль'],
    ['auth', 'sms', 'SMS-шлюз не принял ключ доступа или логин'],
    ['auth', 'telegram', 'Telegram не принял токен бота'],
    ['balance', 'sms', 'на счёте SMS-шлюза нет денег'],
    ['sender', 'email', 'почтовый сервер не принимает адрес отправителя'],
    ['sender', 'sms', 'SMS-шлюз не принимает имя отправителя'],
    ['address', 'email', 'адрес e-mail не принимает письма'],
    ['address', 'sms', 'на этот номер SMS не доставить'],
    ['address', 'telegram', 'получатель недоступен в Telegram (заблокировал бота или чата нет)'],
    ['config', 'email', 'почтовый сервер не настроен'],
    ['config', 'sms', 'SMS-шлюз не настроен'],
    ['config', 'telegram', 'отправка в Telegram не настроена'],
    ['limit', 'sms', 'исчерпан лимит отправки SMS-шлюза'],
    ['render', 'email', 'сообщение не удалось составить по шаблону'],
    ['gone', 'sms', 'задание или получатель удалены'],
    ['other', 'email', 'почтовый сервер ответил ошибкой'],
    ['other', 'sms', 'SMS-шлюз ответил ошибкой'],
    ['other', 'telegram', 'Telegram ответил ошибкой'],
  ];
  it.each(cases)('%s on %s: a member reads the cause alone', (cause, channel, sentence) => {
    expect(failureText(ru, { channel, cause, detail: DETAIL }, false)).toBe(sentence);
  });

  it.each(CAUSES.filter((c) => c !== 'config' && c !== 'gone'))('%s: an admin also reads the provider’s words, quoted', (cause) => {
    const text = failureText(ru, { channel: 'sms', cause, detail: DETAIL }, true);
    expect(text).toBe(`${failureText(ru, { channel: 'sms', cause }, false)} — ответ: «${DETAIL}»`);
  });

  it('quotes nothing where the words are our own (not set up, deleted), and says how often it was tried', () => {
    expect(failureText(ru, { channel: 'sms', cause: 'config', detail: 'sms is not configured' }, true)).toBe('SMS-шлюз не настроен');
    expect(failureText(ru, { channel: 'sms', cause: 'gone', detail: 'the task no longer exists' }, true)).toBe(
      'задание или получатель удалены',
    );
    expect(failureText(ru, { channel: 'email', cause: 'other', detail: 'connect ECONNREFUSED', gaveUpAfter: 8 }, false)).toBe(
      'почтовый сервер ответил ошибкой (попыток: 8)',
    );
    // A failure recorded before causes were kept reads as "answered with an error".
    expect(failureText(ru, { channel: 'telegram' }, false)).toBe('Telegram ответил ошибкой');
  });
});

it('every cause on every channel has a sentence in both languages, none of them the provider’s English', () => {
  for (const cause of CAUSES) {
    for (const channel of CHANNELS) {
      const r = failureText(ru, { channel, cause }, false);
      const e = failureText(en, { channel, cause }, false);
      // Russian: Cyrillic words, Latin only in names (SMS, e-mail, Telegram).
      expect(r.replace(/SMS|e-mail|Telegram/g, '')).not.toMatch(/[A-Za-z]/);
      expect(r).toMatch(/[а-я]/);
      expect(e).not.toMatch(/[а-яё]/i);
      expect(e).not.toBe(r);
    }
  }
  expect(failureText(en, { channel: 'sms', cause: 'address', detail: DETAIL }, true)).toBe(
    `an SMS cannot be delivered to this number — answer: "${DETAIL}"`,
  );
});
