/**
 * Golden texts: every message as its recipient reads it, ru and en × e-mail (text and HTML) × Telegram × SMS,
 * for a single change, a digest of one task and a digest of several tasks, compared exactly with
 * test/fixtures/golden/. Telegram's are the text and entities telegraf builds, the entities shown as tags. A missing file is written and the test fails, so a new text is always read first.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fitSms } from '../../src/domain/sms-segments.js';
import { renderEmail, renderSms, renderTelegramRich, type NotificationItem, type RenderOptions } from '../../src/domain/templates.js';
import { telegramText } from '../../src/delivery/telegram-format.js';
import { notificationWords } from '../../src/i18n/notification-words.js';
import { markedUp } from '../support/telegram-markup.js';
import { SecretBox } from '../../src/secrets.js';
import type { Language } from '../../src/domain/types.js';

const DIR = path.resolve(process.cwd(), 'test/fixtures/golden');

/** Letters' one-tap unsubscribe links, as a worker makes them: signed for one person and task (deterministic). */
const box = new SecretBox('golden-secret-key-0123456789');
const unsubscribeLink = (n: number) => `https://t.me/TaskwatchBot?start=${box.unsubscribePayload('65a1b2c3d4e5f60718293a4b', n)}`;

const people: Record<Language, RenderOptions> = {
  ru: { words: notificationWords('ru'), timezone: 'Europe/Moscow', personName: 'Анна Смирнова', unsubscribeLink },
  en: { words: notificationWords('en'), timezone: 'Europe/London', personName: 'Anna Smith', unsubscribeLink },
};

/** The same story told in each language's own data: titles, names and comments as such users write them. */
const WORDS = {
  ru: {
    report: 'Квартальный отчёт',
    cartridge: 'Заменить картридж',
    office: 'Переезд офиса',
    ivan: 'Иван Петров',
    maria: 'Мария Козлова',
    oleg: 'Олег Сидоров',
    friday: 'Нужно к пятнице.\nСпасибо!',
    movers: 'Грузчики в 9:00',
  },
  en: {
    report: 'Quarterly report',
    cartridge: 'Replace the toner',
    office: 'Office move',
    ivan: 'John Peters',
    maria: 'Mary Cox',
    oleg: 'Oliver Stone',
    friday: 'Needed by Friday.\nThanks!',
    movers: 'Movers at 9:00',
  },
};

function story(language: Language) {
  const w = WORDS[language];
  const report = {
    number: 12,
    title: w.report,
    status: 'done',
    priority: 'high',
    due: new Date('2025-12-25T15:00:00Z'),
    description: '',
  };
  const cartridge = { number: 7, title: w.cartridge, status: 'in_progress', priority: 'normal', due: null, description: '' };
  const office = { number: 31, title: w.office, status: 'review', priority: 'urgent', due: new Date('2026-01-15T06:00:00Z') };

  const single: NotificationItem[] = [
    {
      task: report,
      actor: w.ivan,
      at: new Date('2025-12-20T07:30:00Z'),
      fields: [{ field: 'status', from: 'new', to: 'done' }],
      role: 'observer',
    },
  ];
  const oneTask: NotificationItem[] = [
    {
      task: report,
      actor: w.ivan,
      at: new Date('2025-12-20T07:30:00Z'),
      fields: [{ field: 'status', from: 'new', to: 'in_progress' }],
      role: 'observer',
    },
    {
      task: report,
      actor: w.maria,
      at: new Date('2025-12-20T09:05:00Z'),
      fields: [
        { field: 'priority', from: 'normal', to: 'high' },
        { field: 'comment', to: w.friday },
      ],
      role: 'observer',
    },
    {
      task: report,
      actor: w.ivan,
      at: new Date('2025-12-20T12:45:00Z'),
      fields: [{ field: 'status', from: 'in_progress', to: 'done' }],
      role: 'observer',
    },
  ];
  const severalTasks: NotificationItem[] = [
    {
      task: office,
      actor: w.maria,
      at: new Date('2025-12-20T08:00:00Z'),
      fields: [
        { field: 'priority', from: 'high', to: 'urgent' },
        // Typed: each recipient reads the instants in their own zone.
        { field: 'due', from: new Date('2026-01-14T06:00:00Z'), to: office.due },
      ],
      role: 'assignee',
    },
    ...oneTask.map((i) => ({ ...i, role: 'assignee' as const })),
    {
      task: cartridge,
      actor: w.oleg,
      at: new Date('2025-12-20T10:00:00Z'),
      fields: [{ field: 'status', from: 'new', to: 'in_progress' }],
      role: 'assignee',
    },
    {
      task: office,
      actor: w.ivan,
      at: new Date('2025-12-20T06:00:00Z'),
      fields: [{ field: 'comment', to: w.movers }],
      role: 'assignee',
    },
  ];

  return { single, 'one-task': oneTask, 'several-tasks': severalTasks };
}

function golden(name: string, actual: string): void {
  const file = path.join(DIR, name);
  if (!existsSync(file)) {
    writeFileSync(file, actual);
    throw new Error(`${name} did not exist: written now; read it as its recipient would, then run again`);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe.each(['ru', 'en'] as const)('%s', (language) => {
  const opts = people[language];
  describe.each(Object.entries(story(language)))('%s', (caseName, items) => {
    const base = `${language}-${caseName}`;
    it('e-mail', () => {
      const mail = renderEmail(items, {}, opts);
      const list = mail.listUnsubscribe ? `List-Unsubscribe: <${mail.listUnsubscribe}>\n` : '';
      golden(`${base}.email.txt`, `Subject: ${mail.subject}\n${list}\n${mail.text}`);
      golden(`${base}.email.html`, mail.html);
    });
    it('Telegram, with its entities as <b>/<i> tags', () => {
      const { text, entities } = telegramText(renderTelegramRich(items, opts));
      golden(`${base}.telegram.txt`, markedUp(text, entities));
    });
    it('SMS, as sent', () => golden(`${base}.sms.txt`, fitSms(renderSms(items, undefined, opts), 3).text));
  });
});
