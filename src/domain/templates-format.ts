/**
 * The pieces every notification renderer shares: words per language, dates in the recipient's zone, field
 * values, and the grouping of changes by task. Pure: no I/O.
 */
import { DateTime } from 'luxon';
import { LABELS } from './labels.js';
import { clip } from './text.js';
import type { FieldChange } from './task-edits.js';
import type { Language, TaskRole } from './types.js';

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
  /** Typed, as the Change keeps them; field `comment` means a comment was added, its text in `to`. */
  fields: FieldChange[];
  /** Why the recipient gets it: their role in the task; unknown for old or sample items. */
  role?: TaskRole;
}

/** One change within a task's group. */
export type TaskChange = Pick<NotificationItem, 'actor' | 'at' | 'fields'>;

/** One task of a message: its header and state once, its changes oldest first. */
export interface TaskGroup {
  task: NotificationItem['task'];
  changes: TaskChange[];
  role?: TaskRole;
}

export interface RenderOptions {
  language: Language;
  /** IANA time zone of the person, e.g. `Europe/Moscow`; an unknown zone falls back to UTC. */
  timezone: string;
  personName: string;
  /** The name of a person a change names (an assignee), by id; unknown people are shown as "?". */
  nameOf?: (personId: string) => string | undefined;
  /**
   * The one-tap unsubscribe link of a task this person watches (`https://t.me/<bot>?start=…`), or undefined
   * when there is none (no bot username known): letters then say to send `/unwatch N` to the bot.
   */
  unsubscribeLink?: (taskNumber: number) => string | undefined;
  /**
   * Where {@link unsubscribeLink} leads: the bot (`bot`, the default), or a web page of PUBLIC_URL (`web`),
   * which works for everyone; a person with Telegram then also gets the bot's link (`botLink`).
   */
  unsubscribeVia?: 'bot' | 'web';
  /** With `web`, the bot's one-tap link of the same task, for a person who has Telegram. */
  botUnsubscribeLink?: (taskNumber: number) => string | undefined;
}

export const NONE = '—';
/** Each language's usual way to write a date and time: `25.12.2025 18:00`, `25 Dec 2025 18:00`. */
const DATE_FORMATS = {
  ru: { full: 'dd.MM.yyyy HH:mm', short: 'dd.MM HH:mm', locale: 'ru' },
  en: { full: 'd MMM yyyy HH:mm', short: 'd MMM HH:mm', locale: 'en-GB' },
} as const satisfies Record<Language, { full: string; short: string; locale: string }>;
/** Longest value of one field change in an SMS. */
const SMS_VALUE_LENGTH = 40;

export function ruPlural(n: number, one: string, few: string, many: string): string {
  const d = n % 10;
  const h = n % 100;
  if (d === 1 && h !== 11) return one;
  if (d >= 2 && d <= 4 && (h < 12 || h > 14)) return few;
  return many;
}

export const WORDS = {
  ru: {
    fields: LABELS.ru.field,
    status: LABELS.ru.status,
    priority: LABELS.ru.priority,
    digest: (n: number) => `${n} ${ruPlural(n, 'изменение', 'изменения', 'изменений')} в заданиях`,
    quote: (s: string) => `«${s}»`,
    task: 'Задание',
    now: 'Сейчас',
    state: (status: string, priority: string, due: string) => `статус ${status}, приоритет ${priority}, срок ${due}`,
    columns: ['Кто и когда', 'Поле', 'Было', 'Стало'] as const,
    more: (n: number, task: number) => `…и ещё ${n} ${ruPlural(n, 'изменение', 'изменения', 'изменений')}: /task ${task}`,
    /** The one-tap unsubscribe sentence around its links (`{link}` pieces are put in by the renderer). */
    oneTap: (several: boolean, task: number) =>
      several
        ? { before: 'Отписаться от задания одним нажатием (откроется бот): ', after: '.' }
        : { before: 'Отписаться одним нажатием: ', after: ` (откроется бот), или отправьте боту /unwatch ${task}.` },
    oneTapWeb: (several: boolean) => ({
      before: several ? 'Отписаться от задания одним нажатием: ' : 'Отписаться одним нажатием: ',
      orBot: ' (или в боте: ',
      after: '.',
    }),
    linkLabel: (task: number) => `отписаться от #${task}`,
    why: (role: TaskRole | undefined, numbers: number[], linked = false) => {
      const list = numbers.map((n) => `#${n}`).join(', ');
      const tasks = numbers.length === 1 ? `задания ${list}` : `заданий ${list}`;
      const unwatch = numbers.length === 1 ? `/unwatch ${numbers[0]}` : '/unwatch <номер>';
      const watched = `Вы получаете это письмо, потому что наблюдаете за ${numbers.length === 1 ? 'заданием' : 'заданиями'} ${list}.`;
      if (role === 'observer' && linked) return watched;
      if (role === 'observer') return `${watched} Чтобы не получать: ${unwatch} в боте.`;
      if (role)
        return `Вы получаете это письмо как ${role === 'author' ? 'автор' : 'исполнитель'} ${tasks}. Каналы оповещений: /me в боте.`;
      return `Вы получаете это письмо как участник ${tasks}. Чтобы не получать: ${unwatch} или /me в боте.`;
    },
  },
  en: {
    fields: LABELS.en.field,
    status: LABELS.en.status,
    priority: LABELS.en.priority,
    digest: (n: number) => `${n} ${n === 1 ? 'change' : 'changes'} in tasks`,
    quote: (s: string) => `"${s}"`,
    task: 'Task',
    now: 'Now',
    state: (status: string, priority: string, due: string) => `status ${status}, priority ${priority}, due ${due}`,
    columns: ['Who and when', 'Field', 'Was', 'Now'] as const,
    more: (n: number, task: number) => `…and ${n} more ${n === 1 ? 'change' : 'changes'}: /task ${task}`,
    oneTap: (several: boolean, task: number) =>
      several
        ? { before: 'Unsubscribe from a task in one tap (opens the bot): ', after: '.' }
        : { before: 'Unsubscribe in one tap: ', after: ` (opens the bot), or send /unwatch ${task} to the bot.` },
    oneTapWeb: (several: boolean) => ({
      before: several ? 'Unsubscribe from a task in one tap: ' : 'Unsubscribe in one tap: ',
      orBot: ' (or in the bot: ',
      after: '.',
    }),
    linkLabel: (task: number) => `unsubscribe from #${task}`,
    why: (role: TaskRole | undefined, numbers: number[], linked = false) => {
      const list = numbers.map((n) => `#${n}`).join(', ');
      const tasks = `${numbers.length === 1 ? 'task' : 'tasks'} ${list}`;
      const unwatch = numbers.length === 1 ? `/unwatch ${numbers[0]}` : '/unwatch <number>';
      if (role === 'observer' && linked) return `You get this because you watch ${tasks}.`;
      if (role === 'observer') return `You get this because you watch ${tasks}. To stop: ${unwatch} in the bot.`;
      if (role) return `You get this as the ${role} of ${tasks}. Your channels: /me in the bot.`;
      return `You get this as a participant of ${tasks}. To stop: ${unwatch} or /me in the bot.`;
    },
  },
} as const;

/**
 * `d` in the person's zone and language. A zone luxon does not know falls back to UTC, and then says so
 * (`… 15:00 UTC`): a time in a zone that is not theirs is always labelled.
 */
export function formatDate(d: Date, opts: Pick<RenderOptions, 'timezone' | 'language'>, length: 'full' | 'short' = 'full'): string {
  const f = DATE_FORMATS[opts.language];
  let dt = DateTime.fromJSDate(d, { zone: opts.timezone }).setLocale(f.locale);
  let label = '';
  if (!dt.isValid) {
    dt = DateTime.fromJSDate(d, { zone: 'UTC' }).setLocale(f.locale);
    label = ' UTC';
  }
  return dt.isValid ? dt.toFormat(f[length]) + label : NONE;
}

export function translateValue(field: string, value: string, language: Language): string {
  const w = WORDS[language];
  if (field === 'status') return w.status[value] ?? value;
  if (field === 'priority') return w.priority[value] ?? value;
  return value;
}

export function fieldName(field: string, language: Language): string {
  return (WORDS[language].fields as Record<string, string>)[field] ?? field;
}

/** Collapses every run of white space (line breaks included) into one space. */
export function oneLine(s: string): string {
  return s.replace(/[\s\u2028\u2029]+/g, ' ').trim();
}

/**
 * One side of a change as the recipient reads it: a due date in their zone and language, a status or
 * priority in their words, a person by name; "—" when empty.
 */
export function shownValue(c: FieldChange, side: 'from' | 'to', opts: RenderOptions, length: 'full' | 'short' = 'full'): string {
  const s = valueText(c, side, opts, length).trim();
  return s || NONE;
}

function valueText(c: FieldChange, side: 'from' | 'to', opts: RenderOptions, length: 'full' | 'short'): string {
  if (c.field === 'comment') return side === 'to' ? c.to : '';
  switch (c.field) {
    case 'due': {
      const at = c[side];
      return at ? formatDate(at, opts, length) : '';
    }
    case 'status':
    case 'priority':
      return translateValue(c.field, c[side], opts.language);
    case 'assignee': {
      const id = c[side];
      return id === null ? '' : (opts.nameOf?.(id) ?? '?');
    }
    case 'private':
      // Letters have always shown the word /edit takes.
      return c[side] ? 'on' : 'off';
    case 'title':
    case 'description':
      return c[side] ?? '';
  }
}

/** `• field: from → to` (a comment: `• comment: text`), continuation lines indented. */
export function listChange(c: FieldChange, opts: RenderOptions): string {
  const name = fieldName(c.field, opts.language);
  const indent = (s: string) => s.replace(/\r?\n/g, '\n  ');
  if (c.field === 'comment') return `• ${name}: ${indent(shownValue(c, 'to', opts))}`;
  return `• ${name}: ${indent(shownValue(c, 'from', opts))} → ${indent(shownValue(c, 'to', opts))}`;
}

/** The changes of a task, each under "who, when", oldest first; `gap` between changes (a blank line in letters). */
export function listChanges(changes: TaskChange[], opts: RenderOptions, gap = '\n\n'): string {
  return changes.map((c) => [`${c.actor}, ${formatDate(c.at, opts)}`, ...c.fields.map((f) => listChange(f, opts))].join('\n')).join(gap);
}

/**
 * The changes of a task on one line, for SMS: a field changed several times shows its first `from` and last
 * `to` (`status new→done`); comments are shown each.
 */
export function compactChanges(changes: TaskChange[], opts: RenderOptions): string {
  const { language } = opts;
  const merged: FieldChange[] = [];
  for (const f of changes.flatMap((c) => c.fields)) {
    const same = f.field === 'comment' ? undefined : merged.find((m) => m.field === f.field);
    if (same) Object.assign(same, { to: f.to });
    else merged.push({ ...f });
  }
  const v = (c: FieldChange, side: 'from' | 'to') => clip(oneLine(shownValue(c, side, opts, 'short')), SMS_VALUE_LENGTH);
  return merged
    .map((c) => {
      const name = fieldName(c.field, language);
      if (c.field === 'comment') return `${name}: ${v(c, 'to')}`;
      // A new due date is what the reader acts on; the old one only costs characters.
      if (c.field === 'due') return `${name} ${v(c, 'to')}`;
      return `${name} ${v(c, 'from')}→${v(c, 'to')}`;
    })
    .join(', ');
}

/** The task's state once: status, priority, due. */
export function taskState(task: NotificationItem['task'], opts: RenderOptions): string {
  const { language } = opts;
  return WORDS[language].state(
    translateValue('status', task.status, language),
    translateValue('priority', task.priority, language),
    task.due ? formatDate(task.due, opts) : NONE,
  );
}

/** A short due date for SMS (`25.12 18:00`). */
export function shortDate(d: Date, opts: RenderOptions): string {
  return formatDate(d, opts, 'short');
}

/** Items grouped by task: each task once with its changes oldest first; tasks ordered by their last change. */
export function groupByTask(items: NotificationItem[]): TaskGroup[] {
  const groups = new Map<number, TaskGroup>();
  for (const item of [...items].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const g = groups.get(item.task.number) ?? { task: item.task, changes: [], role: item.role };
    g.changes.push({ actor: item.actor, at: item.at, fields: item.fields });
    groups.set(item.task.number, g);
  }
  const last = (g: TaskGroup) => g.changes[g.changes.length - 1]!.at.getTime();
  return [...groups.values()].sort((a, b) => last(a) - last(b));
}
