import {
  DEFAULT_TEMPLATES,
  MAX_SUBJECT_LENGTH,
  PLACEHOLDERS,
  renderEmail,
  renderSms,
  renderTelegram,
  unknownPlaceholders,
  type NotificationItem,
  type RenderOptions,
} from '../../src/domain/templates.js';
import { renderPreview } from '../../src/domain/template-preview.js';
import { notificationWords } from '../../src/i18n/notification-words.js';

const ru: RenderOptions = { words: notificationWords('ru'), timezone: 'Europe/Moscow', personName: 'Анна' };
const en: RenderOptions = { words: notificationWords('en'), timezone: 'America/New_York', personName: 'Anna' };

function item(over: Partial<NotificationItem> & { number?: number; title?: string } = {}): NotificationItem {
  return {
    task: {
      number: over.number ?? 12,
      title: over.title ?? 'Отчёт за квартал',
      status: 'in_progress',
      priority: 'high',
      due: new Date('2025-03-31T15:00:00Z'),
      description: 'Свести данные',
    },
    actor: 'Иван Петров',
    at: new Date('2025-03-20T07:30:00Z'),
    fields: [{ field: 'status', from: 'new', to: 'done' }],
    ...over,
  };
}

describe('placeholders', () => {
  it('lists every placeholder the defaults use, and finds none unknown in them', () => {
    expect(PLACEHOLDERS).toContain('{task.number}');
    expect(PLACEHOLDERS).toContain('{person.name}');
    for (const lang of ['ru', 'en'] as const) {
      for (const t of Object.values(DEFAULT_TEMPLATES[lang])) expect(unknownPlaceholders(t)).toEqual([]);
    }
  });

  it('names unknown tokens once each', () => {
    expect(unknownPlaceholders('#{task.nmber} {task.title} {foo} {foo} {}')).toEqual(['{task.nmber}', '{foo}', '{}']);
    expect(unknownPlaceholders('no tokens')).toEqual([]);
  });

  it('Russian defaults use the guide words, and the SMS default fits the pattern', () => {
    expect(DEFAULT_TEMPLATES.ru.email_subject).toMatch(/задание/i);
    expect(DEFAULT_TEMPLATES.ru.email_body).toContain('Изменения');
    expect(DEFAULT_TEMPLATES.ru.sms).toBe('#{task.number} {task.title}: {changes}');
  });
});

/** The text part above the signature separator: what the body template rendered. */
const body = (text: string) => text.split('\n\n-- \n')[0];

describe('renderEmail', () => {
  it("renders one item with the default templates, in the person's language and time zone", () => {
    const { subject, text, html } = renderEmail([item()], {}, ru);
    expect(subject).toBe('Изменено задание #12: Отчёт за квартал');
    expect(text).toContain('Задание #12 «Отчёт за квартал»');
    expect(text).toContain('Иван Петров, 20.03.2025 10:30'); // 07:30 UTC is 10:30 in Moscow
    expect(text).toContain('• статус: новое → выполнено');
    expect(text).toContain('Статус: в работе');
    expect(text).toContain('Приоритет: высокий');
    expect(text).toContain('Срок: 31.03.2025 18:00');
    expect(html).toContain('Отчёт за квартал');
  });

  it('uses the admin templates, with every placeholder', () => {
    const template = PLACEHOLDERS.join('|');
    const { subject, text } = renderEmail([item()], { email_subject: '[{task.number}] {person.name}', email_body: template }, en);
    expect(subject).toBe('[12] Anna');
    expect(body(text)).toBe(
      '12|Отчёт за квартал|in progress|high|31 Mar 2025 11:00|Свести данные|Иван Петров, 20 Mar 2025 03:30\n• status: new → done|Иван Петров|20 Mar 2025 03:30|Anna',
    );
  });

  it('does not expand placeholders found inside user values', () => {
    const { text } = renderEmail([item({ title: '{actor} {person.name}' })], { email_body: '{task.title}' }, ru);
    expect(body(text)).toBe('{actor} {person.name}');
  });

  it('escapes user values in the HTML part', () => {
    const evil = item({ title: '<script>alert("x")</script> & co', actor: '<b>Mallory</b>' });
    const { html } = renderEmail([evil], {}, en);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>Mallory');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
  });

  it('keeps the subject on one line and caps its length', () => {
    const { subject } = renderEmail([item({ title: 'line one\r\nBcc: victim@example.org\nline three' })], {}, en);
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toBe('Task #12 changed: line one Bcc: victim@example.org line three');
    const long = renderEmail([item({ title: 'x'.repeat(500) })], {}, en).subject;
    expect(long.length).toBe(MAX_SUBJECT_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });

  it('renders a digest: a counting subject and every item by the body template', () => {
    const items = [item({ number: 12 }), item({ number: 14 }), item({ number: 15 })];
    const r = renderEmail(items, { email_body: 'Задание {task.number}' }, ru);
    expect(r.subject).toMatch(/^3 изменения в заданиях/);
    expect(r.text).toMatch(/Задание 12[\s\S]+Задание 14[\s\S]+Задание 15/);
    expect(renderEmail([...items, item(), item()], {}, ru).subject).toMatch(/^5 изменений в заданиях/);
    expect(renderEmail(items.slice(0, 2), {}, en).subject).toMatch(/^2 changes in tasks/);
  });

  it('renders a comment as "comment: text"', () => {
    const c = item({ fields: [{ field: 'comment', to: 'Готово, проверьте' }] });
    expect(renderEmail([c], {}, ru).text).toContain('комментарий: Готово, проверьте');
    expect(renderEmail([c], {}, en).text).toContain('comment: Готово, проверьте');
  });

  it("writes one moment in each reader's zone and language, however many read it in one batch", () => {
    const dates = [ru, en, { ...ru, timezone: 'Asia/Vladivostok' }, ru, en].map((o) =>
      body(renderEmail([item()], { email_body: '{date}' }, o).text),
    );
    expect(dates).toEqual(['20.03.2025 10:30', '20 Mar 2025 03:30', '20.03.2025 17:30', '20.03.2025 10:30', '20 Mar 2025 03:30']);
  });

  it('falls back to UTC for an unknown time zone, and says so', () => {
    const { text } = renderEmail([item()], { email_body: '{date}' }, { ...ru, timezone: 'Mars/Olympus' });
    expect(body(text)).toBe('20.03.2025 07:30 UTC');
  });
});

describe('the footer of a letter: why, and how to stop', () => {
  const link = (n: number) => `https://t.me/Bot?start=u_task${n}`;
  const withLinks: RenderOptions = { ...en, unsubscribeLink: link };

  it('gives a digest of watched tasks a link per task in both parts, and no List-Unsubscribe (one link cannot stop them all)', () => {
    const mail = renderEmail([item({ number: 1, role: 'observer' }), item({ number: 2, role: 'observer' })], {}, withLinks);
    expect(mail.text).toContain(
      'You get this because you watch tasks #1, #2. Unsubscribe from a task in one tap (opens the bot): #1 https://t.me/Bot?start=u_task1, #2 https://t.me/Bot?start=u_task2.',
    );
    expect(mail.html).toContain('#2 <a href="https://t.me/Bot?start=u_task2" style="color:#777777;">unsubscribe from #2</a>.');
    expect(mail.listUnsubscribe).toBeUndefined();
  });

  it('links only the tasks the person watches: an author is told where their channels are, not given a link that stops nothing', () => {
    const authored = renderEmail([item({ role: 'author' })], {}, withLinks);
    expect(authored.text).toContain('You get this as the author of task #12. Your channels: /me in the bot.');
    expect(authored.text).not.toContain('t.me');
    expect(authored.listUnsubscribe).toBeUndefined();
    const mixed = renderEmail([item({ number: 1, role: 'author' }), item({ number: 2, role: 'observer' })], {}, withLinks);
    expect(mixed.text).toContain('Unsubscribe in one tap: https://t.me/Bot?start=u_task2 (opens the bot), or send /unwatch 2 to the bot.');
    expect(mixed.text).not.toContain('u_task1');
  });

  it('escapes the link in the HTML part', () => {
    const mail = renderEmail([item({ role: 'observer' })], {}, { ...ru, unsubscribeLink: () => 'https://t.me/Bot?start=a&b="c"' });
    expect(mail.html).toContain('href="https://t.me/Bot?start=a&amp;b=&quot;c&quot;"');
  });
});

describe('renderSms', () => {
  it('renders one item with the default template, compact', () => {
    expect(renderSms([item()], undefined, ru)).toBe('#12 Отчёт за квартал: статус новое→выполнено');
    expect(renderSms([item()], undefined, en)).toBe('#12 Отчёт за квартал: status new→done');
  });

  it("uses the admin template and the person's time zone", () => {
    expect(renderSms([item()], '{task.number} {date} {task.priority}', ru)).toBe('12 20.03.2025 10:30 высокий');
  });

  it('joins several items compactly', () => {
    const two = [item({ number: 12, title: 'A' }), item({ number: 14, title: 'B', fields: [{ field: 'comment', to: 'ok' }] })];
    expect(renderSms(two, undefined, ru)).toBe('#12 A: статус новое→выполнено; #14 B: комментарий: ok');
  });

  it('keeps long values short and on one line', () => {
    const s = renderSms([item({ title: 'T', fields: [{ field: 'description', from: '', to: 'слово\n'.repeat(50) }] })], undefined, ru);
    expect(s).not.toContain('\n');
    expect(s.length).toBeLessThan(80);
    expect(s).toContain('описание —→слово слово');
  });
});

describe('renderTelegram', () => {
  it('renders readable plain text', () => {
    const t = renderTelegram([item()], ru);
    expect(t).toBe(
      '#12 «Отчёт за квартал»\nИван Петров, 20.03.2025 10:30\n• статус: новое → выполнено\nСейчас: статус в работе, приоритет высокий, срок 31.03.2025 18:00',
    );
  });

  it('heads a digest with the count', () => {
    const t = renderTelegram([item({ number: 1 }), item({ number: 2 })], en);
    expect(t.startsWith('2 changes in tasks\n\n#1 "Отчёт за квартал"')).toBe(true);
    expect(t).toContain('\n\n#2 ');
  });

  it('keeps a digest over 4096 characters within the limit and says how many changes are left out, never cutting silently', () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      item({ number: i + 1, title: 'Длинное название задания '.repeat(3), at: new Date(Date.UTC(2025, 2, 20, 7, i)) }),
    );
    const t = renderTelegram(many, ru);
    expect(t.length).toBeLessThanOrEqual(4096);
    const tail = /…и ещё (\d+) изменени[йея]: \/task (\d+)$/.exec(t);
    expect(tail).not.toBeNull();
    const shown = t.match(/• статус: новое → выполнено/g)!.length;
    expect(shown + Number(tail![1])).toBe(200);
    // The first task left out is the one after the last shown.
    expect(Number(tail![2])).toBe(shown + 1);
    expect(t).toContain(`#${shown} «`);
  });

  it('says how many changes of one long task are left out', () => {
    const long = Array.from({ length: 120 }, (_, i) =>
      item({ at: new Date(Date.UTC(2025, 2, 20, 7, i)), fields: [{ field: 'description', from: 'x'.repeat(20), to: 'y'.repeat(20) }] }),
    );
    const t = renderTelegram(long, en);
    expect(t.length).toBeLessThanOrEqual(4096);
    expect(t.startsWith('#12 "Отчёт за квартал"\n')).toBe(true);
    const tail = /…and (\d+) more changes: \/task 12$/.exec(t);
    expect(t.match(/• description:/g)!.length + Number(tail![1])).toBe(120);
  });
});

describe('renderPreview', () => {
  it('renders each kind with a sample item', () => {
    expect(renderPreview('sms', DEFAULT_TEMPLATES.ru.sms, notificationWords('ru'))).toBe(
      '#12 Подготовить отчёт за квартал: статус новое→в работе, комментарий: Начал работу',
    );
    expect(renderPreview('email_subject', 'Задание {task.number} для {person.name}', notificationWords('ru'))).toBe(
      'Задание 12 для Анна Смирнова',
    );
    expect(renderPreview('email_body', 'Due {task.due}', notificationWords('en'))).toBe(
      'Due 31 Mar 2025 18:00\n\n-- \nYou get this because you watch task #12. To stop: /unwatch 12 in the bot.\n',
    );
  });

  it('leaves unknown tokens visible', () => {
    expect(renderPreview('sms', '{task.nmber}', notificationWords('en'))).toBe('{task.nmber}');
  });
});

describe('Russian counts in a digest', () => {
  it('agree with the number as Russian readers expect: 1, 21 изменение; 2–4, 22 изменения; 5–20, 11–14, 111 изменений', () => {
    const digest = (n: number) => notificationWords('ru').digest(n);
    expect([1, 21, 101].map(digest)).toEqual(['1 изменение в заданиях', '21 изменение в заданиях', '101 изменение в заданиях']);
    expect([2, 4, 22, 104].map(digest)).toEqual([
      '2 изменения в заданиях',
      '4 изменения в заданиях',
      '22 изменения в заданиях',
      '104 изменения в заданиях',
    ]);
    expect([5, 11, 12, 13, 14, 20, 111, 112, 114].map((n) => digest(n).split(' ')[1])).toEqual(Array(9).fill('изменений'));
  });
});
