/**
 * The pieces every notification renderer shares: the shape of the words they are written with (the words
 * themselves, in each language, are in src/i18n/notification-words.ts), dates in the recipient's zone,
 * field values, and the grouping of changes by task. Pure: no I/O.
 */
import { DateTime } from 'luxon';
import { clip } from './text.js';
import type { FieldChange } from './task-edits.js';
import type { Language, LabelledField, Priority, TaskRole, TaskStatus } from './types.js';

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
  /** A due-date reminder rather than a change (`at` is its moment, `fields` empty): the due time it is for, its lead. */
  reminder?: { due: Date; lead: string };
}

/** One change within a task's group. */
export type TaskChange = Pick<NotificationItem, 'actor' | 'at' | 'fields'>;

/** One task of a message: its header and state once, its changes oldest first. */
export interface TaskGroup {
  task: NotificationItem['task'];
  changes: TaskChange[];
  role?: TaskRole;
}

/**
 * The words of a notification in one language. Domain may not import i18n (it sits below), so the renderers
 * take them with the options: src/i18n/notification-words.ts has a table of them per language.
 */
export interface NotificationWords {
  /** The language they are in (an HTML letter's `lang`). */
  language: Language;
  /** The language's usual way to write a date and time (luxon formats and locale): `25.12.2025 18:00`. */
  dates: { full: string; short: string; locale: string };
  fields: Readonly<Record<LabelledField, string>>;
  status: Readonly<Record<TaskStatus, string>>;
  priority: Readonly<Record<Priority, string>>;
  /** A switched field (`private`) turned on and off. */
  on: string;
  off: string;
  /** A digest's subject or heading: "3 changes in tasks". */
  digest(n: number): string;
  quote(s: string): string;
  /** The heading of a task's state now. */
  now: string;
  state(status: string, priority: string, due: string): string;
  /** The columns of a letter's table of changes: who and when, field, was, now. */
  columns: readonly [string, string, string, string];
  /** The tail of a Telegram message cut short: "…and N more changes: /task 12". */
  more(n: number, task: number): string;
  /** The one-tap unsubscribe sentence around its links (bot links; the pieces are put in by the renderer). */
  oneTap(several: boolean, task: number): { before: string; after: string };
  /** The same with a web page's link, and the bot's beside it. */
  oneTapWeb(several: boolean): { before: string; orBot: string; after: string };
  linkLabel(task: number): string;
  /** Why the person gets a letter, and how to stop. */
  why(role: TaskRole | undefined, numbers: number[], linked?: boolean): string;
  /** A reminder before the due time: `Задание #12 «…»: срок 25.12 18:00 (через 1 час)`. */
  dueIn(task: number, title: string, due: string, left: string): string;
  /** The overdue reminder: `Задание #12 «…» просрочено с 25.12 18:00 (2 дня)`. */
  overdue(task: number, title: string, since: string, ago: string): string;
  /** `n` minutes, hours or days, as a count reads. */
  duration(unit: 'minute' | 'hour' | 'day', n: number): string;
  /** The subject of a letter of several reminders. */
  reminders(n: number): string;
  /** The button that says the person saw the task (an escalated SMS then stays unsent). */
  seen: string;
}

export interface RenderOptions {
  /** The recipient's words (their language). */
  words: NotificationWords;
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
  /** Lines a letter opens with, before its tasks (the due-date reminders it also carries). */
  preface?: readonly string[];
}

export const NONE = '—';
/** Longest value of one field change in an SMS. */
const SMS_VALUE_LENGTH = 40;

/**
 * `d` in the person's zone and language. A zone luxon does not know falls back to UTC, and then says so
 * (`… 15:00 UTC`): a time in a zone that is not theirs is always labelled.
 */
export function formatDate(d: Date, opts: Pick<RenderOptions, 'timezone' | 'words'>, length: 'full' | 'short' = 'full'): string {
  const f = opts.words.dates;
  // A batch writes the same few moments (its changes') in the same few zones for many people: each is
  // formatted once. The cache is small and only grows to its bound before it is emptied.
  const key = `${d.getTime()}|${opts.timezone}|${f.locale}|${f[length]}`;
  const known = formatted.get(key);
  if (known !== undefined) return known;
  if (formatted.size >= FORMATTED_MAX) formatted.clear();
  const text = formatDateNow(d, opts.timezone, f, length);
  formatted.set(key, text);
  return text;
}

const FORMATTED_MAX = 2_000;
const formatted = new Map<string, string>();

function formatDateNow(d: Date, timezone: string, f: NotificationWords['dates'], length: 'full' | 'short'): string {
  let dt = DateTime.fromJSDate(d, { zone: timezone }).setLocale(f.locale);
  let label = '';
  if (!dt.isValid) {
    dt = DateTime.fromJSDate(d, { zone: 'UTC' }).setLocale(f.locale);
    label = ' UTC';
  }
  return dt.isValid ? dt.toFormat(f[length]) + label : NONE;
}

/** The name of `key` in `table`, or `key` itself when the table has no such key (a stored value of old). */
function named(table: Readonly<Record<string, string>>, key: string): string {
  return (Object.hasOwn(table, key) ? table[key] : undefined) ?? key;
}

export function translateValue(field: 'status' | 'priority', value: string, words: NotificationWords): string {
  return named(words[field], value);
}

export function fieldName(field: string, words: NotificationWords): string {
  return named(words.fields, field);
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
      return translateValue(c.field, c[side], opts.words);
    case 'assignee': {
      const id = c[side];
      return id === null ? '' : (opts.nameOf?.(id) ?? '?');
    }
    case 'private':
      return c[side] ? opts.words.on : opts.words.off;
    case 'title':
    case 'description':
      return c[side] ?? '';
  }
}

/** `• field: from → to` (a comment: `• comment: text`), continuation lines indented. */
export function listChange(c: FieldChange, opts: RenderOptions): string {
  const name = fieldName(c.field, opts.words);
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
  const merged: FieldChange[] = [];
  for (const f of changes.flatMap((c) => c.fields)) {
    const same = f.field === 'comment' ? undefined : merged.find((m) => m.field === f.field);
    if (same) Object.assign(same, { to: f.to });
    else merged.push({ ...f });
  }
  const v = (c: FieldChange, side: 'from' | 'to') => clip(oneLine(shownValue(c, side, opts, 'short')), SMS_VALUE_LENGTH);
  return merged
    .map((c) => {
      const name = fieldName(c.field, opts.words);
      if (c.field === 'comment') return `${name}: ${v(c, 'to')}`;
      // A new due date is what the reader acts on; the old one only costs characters.
      if (c.field === 'due') return `${name} ${v(c, 'to')}`;
      return `${name} ${v(c, 'from')}→${v(c, 'to')}`;
    })
    .join(', ');
}

/** The task's state once: status, priority, due. */
export function taskState(task: NotificationItem['task'], opts: RenderOptions): string {
  const { words } = opts;
  return words.state(
    translateValue('status', task.status, words),
    translateValue('priority', task.priority, words),
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
