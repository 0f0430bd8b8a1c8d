/** The pure rules of answering a letter (src/domain/reply-mail.ts), the reply token (src/secrets.ts), and their configuration. */
import { ConfigError, loadConfig } from '../../src/config.js';
import { automatedKind, cutQuoteHeader, failedAuthentication, replyAddress, tokenOfAddress } from '../../src/domain/reply-mail.js';
import { SecretBox } from '../../src/secrets.js';

const box = new SecretBox('unit-test-secret-key-0123456789');
const PERSON = '65a1b2c3d4e5f60718293a4b';

describe('the reply token', () => {
  it('names its person and task, in lowercase hex that fits a local part, and reads back whatever the case', () => {
    const token = box.replyToken(PERSON, 12);
    expect(token).toMatch(/^[0-9a-f]{56}$/);
    expect(`reply+${token}`.length).toBeLessThanOrEqual(64);
    expect(box.readReplyToken(token)).toEqual({ personId: PERSON, taskNumber: 12 });
    expect(box.readReplyToken(token.toUpperCase())).toEqual({ personId: PERSON, taskNumber: 12 });
  });

  it('is refused when any character changes, under another key, or when it is an unsubscribe payload', () => {
    const token = box.replyToken(PERSON, 12);
    for (const i of [0, 30, 55]) {
      const bad = token.slice(0, i) + (token[i] === '0' ? '1' : '0') + token.slice(i + 1);
      expect(box.readReplyToken(bad)).toBeUndefined();
    }
    expect(new SecretBox('another-secret-key-0123456789').readReplyToken(token)).toBeUndefined();
    expect(box.readReplyToken(token.slice(0, 54))).toBeUndefined();
    const unsubscribeMac = Buffer.from(box.unsubscribePayload(PERSON, 12).slice(2), 'base64url').toString('hex');
    expect(box.readReplyToken(unsubscribeMac)).toBeUndefined();
  });
});

describe('reply addresses', () => {
  it('carry the token at the reply domain, found again in any case; other addresses have none', () => {
    expect(replyAddress('ab12', 'reply.example.org')).toBe('reply+ab12@reply.example.org');
    expect(tokenOfAddress('Reply+AB12@Reply.Example.org', 'reply.example.org')).toBe('ab12');
    expect(tokenOfAddress('reply+ab12@example.org', 'reply.example.org')).toBeUndefined();
    expect(tokenOfAddress('ann@reply.example.org', 'reply.example.org')).toBeUndefined();
    expect(tokenOfAddress('reply+@reply.example.org', 'reply.example.org')).toBeUndefined();
  });
});

describe("a machine's letter", () => {
  const letter = (headers: Record<string, string>, envelopeFrom = 'ann@example.org', from = 'ann@example.org') => ({
    envelopeFrom,
    from,
    header: (name: string) => headers[name],
  });

  it('is a bounce with an empty envelope sender, a delivery report, or from MAILER-DAEMON', () => {
    expect(automatedKind(letter({}, ''))).toBe('bounce');
    expect(automatedKind(letter({}, '<>'))).toBe('bounce');
    expect(automatedKind(letter({ 'content-type': 'multipart/report; report-type=delivery-status' }))).toBe('bounce');
    expect(automatedKind(letter({}, 'x@mx.example.org', 'MAILER-DAEMON@mx.example.org'))).toBe('bounce');
  });

  it('is an auto-reply by its headers or subject (RFC 3834), and not with Auto-Submitted: no', () => {
    expect(automatedKind(letter({ 'auto-submitted': 'auto-replied' }))).toBe('auto-reply');
    expect(automatedKind(letter({ 'x-autoreply': 'yes' }))).toBe('auto-reply');
    expect(automatedKind(letter({ 'x-autorespond': '1' }))).toBe('auto-reply');
    expect(automatedKind(letter({ precedence: 'bulk' }))).toBe('auto-reply');
    expect(automatedKind(letter({ precedence: 'auto_reply' }))).toBe('auto-reply');
    expect(automatedKind(letter({ subject: 'Out of Office: Re: #12' }))).toBe('auto-reply');
    expect(automatedKind(letter({ subject: 'Автоответ: Re: #12' }))).toBe('auto-reply');
    expect(automatedKind(letter({ 'auto-submitted': 'no', subject: 'Re: #12 автоответчик сломался' }))).toBeUndefined();
    expect(automatedKind(letter({ subject: 'Re: Изменено задание #12' }))).toBeUndefined();
  });
});

it('a failed sender check is spf, dkim or dmarc = fail; softfail, none and pass are not', () => {
  expect(failedAuthentication('mx.example.org; spf=pass smtp.mailfrom=example.org; dkim=fail header.d=example.org')).toBe('dkim');
  expect(failedAuthentication('mx.example.org; spf=fail smtp.mailfrom=example.org')).toBe('spf');
  expect(failedAuthentication('mx; dmarc=fail (p=reject)')).toBe('dmarc');
  expect(failedAuthentication('mx; spf=softfail; dkim=none; dmarc=pass')).toBeUndefined();
  expect(failedAuthentication(undefined)).toBeUndefined();
});

it('quote headers of Russian, Gmail and Outlook clients cut the reply there', () => {
  expect(cutQuoteHeader('Готово.\n\n07.12.2026 10:00, taskwatch пишет:\n> Задание #12')).toBe('Готово.\n\n');
  expect(cutQuoteHeader('Done.\nпн, 7 дек. 2026 г. в 10:00, taskwatch <tw@example.org>:\n> #12')).toBe('Done.\n');
  expect(cutQuoteHeader('Ok\n-----Original Message-----\nFrom: taskwatch')).toBe('Ok\n');
  expect(cutQuoteHeader('Ok\nFrom: taskwatch <tw@example.org>\nSent: Monday\n#12')).toBe('Ok\n');
  expect(cutQuoteHeader('Just an answer, with a colon: here')).toBe('Just an answer, with a colon: here');
});

it('REPLY_SMTP_PORT needs REPLY_DOMAIN; REPLY_DOMAIN must be a domain', () => {
  expect(() => loadConfig({ REPLY_SMTP_PORT: '2525' })).toThrow(ConfigError);
  expect(() => loadConfig({ REPLY_DOMAIN: 'not a domain' })).toThrow(/REPLY_DOMAIN must be a mail domain/);
  const c = loadConfig({ REPLY_SMTP_PORT: '2525', REPLY_DOMAIN: 'reply.example.org' });
  expect([c.REPLY_SMTP_PORT, c.REPLY_DOMAIN, c.REPLY_SMTP_HOST]).toEqual([2525, 'reply.example.org', '0.0.0.0']);
  expect(loadConfig({}).REPLY_SMTP_PORT).toBeUndefined();
});
