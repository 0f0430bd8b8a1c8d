/**
 * Notification texts: templates with `{placeholders}`, defaults in ru and en, and the renderers for
 * e-mail (subject, text, HTML), SMS and Telegram. Pure: no I/O.
 */
import { LABELS } from './labels.js';
import { clip, TELEGRAM_MAX_LENGTH } from './text.js';
import { DateTime } from 'luxon';
import type { FieldChange, Language } from './types.js';

export const PLACEHOLDERS: readonly string[] = [
  '{task.number}',
  '{task.title}',
  '{task.status}',
  '{task.priority}',
  '{task.due}',
  '{task.description}',
  '{changes}',
  '{actor}',
  '{date}',
  '{person.name}',
];

export const TEMPLATE_KINDS = ['email_subject', 'email_body', 'sms'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** One change of one task, as one person gets it. */
export interface NotificationItem {
  task: {
    number: number;
    title: string;
    /** TaskStatus key (`in_progress`) or a display string. */
    status: string;
    /** Priority key (`high`) or a display string. */
    priority: string;
    due?: Date | null;
    description?: string;
  };
  /** Name of who made the change. */
  actor: string;
  at: Date;
  /** Field `comment` means a comment was added; its text is in `to`. */
  fields: FieldChange[];
}

export interface RenderOptions {
  language: Language;
  /** IANA time zone of the person, e.g. `Europe/Moscow`; an unknown zone falls back to UTC. */
  timezone: string;
  personName: string;
}

export const DEFAULT_TEMPLATES: Record<Language, Record<TemplateKind, string>> = {
  ru: {
    email_subject: 'Изменено задание #{task.number}: {task.title}',
    email_body:
      'Задание #{task.number} «{task.title}»\n' +
      'Изменил(а): {actor}, {date}\n\n' +
      'Изменения:\n{changes}\n\n' +
      'Статус: {task.status}\nПриоритет: {task.priority}\nСрок: {task.due}',
    sms: '#{task.number} {task.title}: {changes}',
  },
  en: {
    email_subject: 'Task #{task.number} changed: {task.title}',
    email_body:
      'Task #{task.number} "{task.title}"\n' +
      'Changed by {actor}, {date}\n\n' +
      'Changes:\n{changes}\n\n' +
      'Status: {task.status}\nPriority: {task.priority}\nDue: {task.due}',
    sms: '#{task.number} {task.title}: {changes}',
  },
};

/** Longest e-mail subject, in characters; longer ones end with "…". */
export const MAX_SUBJECT_LENGTH = 150;
/** Telegram's limit for one message. */
/** Longest value of one field change in an SMS. */
const SMS_VALUE_LENGTH = 40;

const DATE_FORMAT = 'dd.MM.yyyy HH:mm';
const NONE = '—';

const WORDS = {
  ru: {
    fields: LABELS.ru.field,
    status: LABELS.ru.status,
    priority: LABELS.ru.priority,
    digest: (n: number) => `${n} ${ruPlural(n, 'изменение', 'изменения', 'изменений')} в заданиях`,
    quote: (s: string) => `«${s}»`,
  },
  en: {
    fields: LABELS.en.field,
    status: LABELS.en.status,
    priority: LABELS.en.priority,
    digest: (n: number) => `${n} ${n === 1 ? 'change' : 'changes'} in tasks`,
    quote: (s: string) => `"${s}"`,
  },
} as const;

function ruPlural(n: number, one: string, few: string, many: string): string {
  const d = n % 10;
  const h = n % 100;
  if (d === 1 && h !== 11) return one;
  if (d >= 2 && d <= 4 && (h < 12 || h > 14)) return few;
  return many;
}

const TOKEN = /\{[^{}]*\}/g;

/** `{…}` tokens of `text` that are not placeholders, each once, braces included (`{task.nmber}`). */
export function unknownPlaceholders(text: string): string[] {
  const known = new Set(PLACEHOLDERS);
  const unknown: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    if (!known.has(m[0]) && !unknown.includes(m[0])) unknown.push(m[0]);
  }
  return unknown;
}

function formatDate(d: Date, timezone: string): string {
  let dt = DateTime.fromJSDate(d, { zone: timezone });
  if (!dt.isValid) dt = DateTime.fromJSDate(d, { zone: 'UTC' });
  return dt.isValid ? dt.toFormat(DATE_FORMAT) : NONE;
}

function translateValue(field: string, value: string, language: Language): string {
  const w = WORDS[language];
  if (field === 'status') return w.status[value] ?? value;
  if (field === 'priority') return w.priority[value] ?? value;
  return value;
}

function fieldName(field: string, language: Language): string {
  return WORDS[language].fields[field] ?? field;
}

/** Collapses every run of white space (line breaks included) into one space. */
function oneLine(s: string): string {
  return s.replace(/[\s\u2028\u2029]+/g, ' ').trim();
}

type ChangeStyle = 'list' | 'compact';

function renderChange(c: FieldChange, language: Language, style: ChangeStyle): string {
  const name = fieldName(c.field, language);
  if (style === 'compact') {
    const v = (s: string) => (s.trim() ? clip(oneLine(translateValue(c.field, s, language)), SMS_VALUE_LENGTH) : NONE);
    if (c.field === 'comment') return `${name}: ${v(c.to)}`;
    return `${name}: ${v(c.from)}→${v(c.to)}`;
  }
  const v = (s: string) => (s.trim() ? translateValue(c.field, s, language).trim() : NONE);
  const indent = (s: string) => s.replace(/\r?\n/g, '\n  ');
  if (c.field === 'comment') return `• ${name}: ${indent(v(c.to))}`;
  return `• ${name}: ${indent(v(c.from))} → ${indent(v(c.to))}`;
}

function renderChanges(fields: FieldChange[], language: Language, style: ChangeStyle): string {
  return fields.map((c) => renderChange(c, language, style)).join(style === 'compact' ? ', ' : '\n');
}

function values(item: NotificationItem, opts: RenderOptions, style: ChangeStyle): Record<string, string> {
  const { language, timezone } = opts;
  const vals: Record<string, string> = {
    '{task.number}': String(item.task.number),
    '{task.title}': item.task.title,
    '{task.status}': translateValue('status', item.task.status, language),
    '{task.priority}': translateValue('priority', item.task.priority, language),
    '{task.due}': item.task.due ? formatDate(item.task.due, timezone) : NONE,
    '{task.description}': item.task.description?.trim() || NONE,
    '{changes}': renderChanges(item.fields, language, style),
    '{actor}': item.actor,
    '{date}': formatDate(item.at, timezone),
    '{person.name}': opts.personName,
  };
  if (style === 'compact') for (const k of Object.keys(vals)) vals[k] = oneLine(vals[k]!);
  return vals;
}

/** One pass: values are never scanned for placeholders again; unknown tokens stay as they are. */
function fill(template: string, vals: Record<string, string>): string {
  return template.replace(TOKEN, (token) => vals[token] ?? token);
}

function pick(template: string | undefined, fallback: string): string {
  return template && template.trim() ? template : fallback;
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch] ?? ch);
}

function subjectLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they must not reach a subject
  return clip(oneLine(s.replace(/[\u0000-\u001f\u007f]/g, ' ')), MAX_SUBJECT_LENGTH);
}

function textToHtml(text: string): string {
  return escapeHtml(text).replace(/\r?\n/g, '<br>\n');
}

function requireItems(items: NotificationItem[]): void {
  if (items.length === 0) throw new RangeError('nothing to render: no notification items');
}

const EMAIL_SEPARATOR = '\n\n————————————————————\n\n';

/**
 * One item: the subject and body templates. Several (a digest): a counting subject and every item
 * rendered by the body template. The HTML part is the text part, escaped.
 */
export function renderEmail(
  items: NotificationItem[],
  templates: Partial<Record<TemplateKind, string>>,
  opts: RenderOptions,
): { subject: string; text: string; html: string } {
  requireItems(items);
  const defaults = DEFAULT_TEMPLATES[opts.language];
  const bodyTemplate = pick(templates.email_body, defaults.email_body);
  const bodies = items.map((item) => fill(bodyTemplate, values(item, opts, 'list')).trim());
  const first = items[0]!;
  const subject =
    items.length === 1
      ? subjectLine(fill(pick(templates.email_subject, defaults.email_subject), values(first, opts, 'list')))
      : subjectLine(`${WORDS[opts.language].digest(items.length)} ${[...new Set(items.map((i) => `#${i.task.number}`))].join(', ')}`);
  const text = bodies.join(EMAIL_SEPARATOR);
  const html =
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>' +
    '<body style="font-family: Arial, sans-serif; font-size: 14px; line-height: 1.4;">\n' +
    bodies.map((b) => `<div>${textToHtml(b)}</div>`).join('\n<hr>\n') +
    '\n</body></html>';
  return { subject, text, html };
}

/** One item: the template. Several: each item rendered on one line, joined with "; ". */
export function renderSms(items: NotificationItem[], template: string | undefined, opts: RenderOptions): string {
  requireItems(items);
  const t = pick(template, DEFAULT_TEMPLATES[opts.language].sms);
  const rendered = items.map((item) => fill(t, values(item, opts, 'compact')).trim());
  if (rendered.length === 1) return rendered[0]!;
  return rendered.map(oneLine).join('; ');
}

/** Plain text (no parse mode), at most 4096 characters. */
export function renderTelegram(items: NotificationItem[], opts: RenderOptions): string {
  requireItems(items);
  const w = WORDS[opts.language];
  const blocks = items.map((item) => {
    const lines = [
      `#${item.task.number} ${w.quote(oneLine(item.task.title))}`,
      `${item.actor}, ${formatDate(item.at, opts.timezone)}`,
      renderChanges(item.fields, opts.language, 'list'),
    ];
    return lines.filter((l) => l.trim()).join('\n');
  });
  const text = items.length > 1 ? `${w.digest(items.length)}\n\n${blocks.join('\n\n')}` : blocks.join('');
  return clip(text, TELEGRAM_MAX_LENGTH);
}
