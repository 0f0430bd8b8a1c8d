/**
 * Due-date reminders: the leads a person chose (`/remind 1d 2h`), the moments they fall on, and the choice
 * of which moments a sweep fires. Pure: no I/O.
 *
 * A lead is `<n>d` (calendar days before the due time, in the person's zone: across a DST change "1d before
 * 18:00" is 18:00 the day before, 23 or 25 hours), `<n>h` or `<n>m` (exact hours or minutes). The overdue
 * reminder has the lead {@link OVERDUE}: its moment is the due time itself.
 */
import { DateTime } from 'luxon';

/** The leads of a person who never chose: 24 hours and 1 hour before. */
export const DEFAULT_REMIND_LEADS: readonly string[] = ['24h', '1h'];
/** The lead of the reminder sent once a task becomes overdue. */
export const OVERDUE = 'overdue';
/** The longest lead, in days. */
export const MAX_LEAD_DAYS = 30;
/** Most leads a person may have. */
export const MAX_LEADS = 5;
/** Statuses of tasks that no longer remind. */
export const CLOSED_STATUSES: readonly string[] = ['done', 'cancelled'];

const UNITS: Record<string, 'd' | 'h' | 'm'> = {
  d: 'd',
  д: 'd',
  h: 'h',
  ч: 'h',
  m: 'm',
  min: 'm',
  м: 'm',
  мин: 'm',
};
const MINUTES = { d: 24 * 60, h: 60, m: 1 } as const;

/** A lead as written (`1d`, `2ч`, `30min`) in its canonical form (`1d`, `2h`, `30m`), or undefined when it is none. */
export function parseLead(raw: string): string | undefined {
  const m = /^(\d{1,5})\s*([a-zа-я]+)$/i.exec(raw.trim());
  if (!m) return undefined;
  const unit = UNITS[m[2]!.toLowerCase()];
  const n = Number(m[1]);
  if (!unit || n <= 0 || n * MINUTES[unit] > MAX_LEAD_DAYS * 24 * 60) return undefined;
  return `${n}${unit}`;
}

/** The lead's length in minutes (a day counted as 24 hours: for ordering and bounds only). */
export function leadMinutes(lead: string): number {
  const m = /^(\d+)([dhm])$/.exec(lead);
  return m ? Number(m[1]) * MINUTES[m[2] as 'd' | 'h' | 'm'] : 0;
}

/** What a person's reminder settings are stored as on the Person. */
export interface ReminderFields {
  /** Absent: {@link DEFAULT_REMIND_LEADS}; empty: no reminders at all. */
  remindLeads?: readonly string[] | null;
  /** Whether they are reminded of tasks they authored too (the assignee always is). */
  remindAuthor?: boolean | null;
}

/** The leads in force, longest first; without any, the person gets no reminder (overdue included). */
export function leadsOf(p: ReminderFields): string[] {
  const stored = p.remindLeads ?? DEFAULT_REMIND_LEADS;
  return [...new Set(stored.filter((l) => leadMinutes(l) > 0))].sort((a, b) => leadMinutes(b) - leadMinutes(a));
}

/**
 * What follows `/remind`: leads (`1d 2h`), `off`, `default`, and/or `author on|off`. Undefined when any word
 * is not one of these, a lead is zero, negative or over {@link MAX_LEAD_DAYS} days, or there are more than
 * {@link MAX_LEADS}: nothing is changed then.
 */
export function parseRemind(words: readonly string[]): { leads?: string[]; author?: boolean } | undefined {
  const out: { leads?: string[]; author?: boolean } = {};
  const leads: string[] = [];
  const w = words.map((x) => x.toLowerCase());
  for (let i = 0; i < w.length; i++) {
    const word = w[i]!;
    if (word === 'author' || word === 'автор') {
      const v = w[++i];
      if (v === 'on' || v === 'вкл' || v === 'да') out.author = true;
      else if (v === 'off' || v === 'выкл' || v === 'нет') out.author = false;
      else return undefined;
    } else if (word === 'off' || word === 'выкл' || word === 'нет') {
      if (out.leads || leads.length) return undefined;
      out.leads = [];
    } else if (word === 'default' || word === 'по-умолчанию' || word === 'сброс') {
      if (out.leads || leads.length) return undefined;
      out.leads = [...DEFAULT_REMIND_LEADS];
    } else {
      const lead = parseLead(word);
      if (!lead || out.leads) return undefined;
      leads.push(lead);
    }
  }
  if (leads.length) {
    const unique = [...new Set(leads)];
    if (unique.length > MAX_LEADS) return undefined;
    out.leads = unique;
  }
  return out.leads === undefined && out.author === undefined ? undefined : out;
}

/** The moment a lead falls on before `due`, in `zone` (days are calendar days there). */
export function reminderMoment(due: Date, lead: string, zone: string): Date {
  if (lead === OVERDUE) return due;
  const m = /^(\d+)([dhm])$/.exec(lead);
  if (!m) return due;
  const n = Number(m[1]);
  if (m[2] === 'd') {
    const local = DateTime.fromJSDate(due, { zone });
    const base = local.isValid ? local : DateTime.fromJSDate(due, { zone: 'UTC' });
    return base.minus({ days: n }).toJSDate();
  }
  return new Date(due.getTime() - n * MINUTES[m[2] as 'h' | 'm'] * 60_000);
}

/** Every reminder of a person for one due time: each lead's moment, and the overdue one; none without leads. */
export function remindersOf(due: Date, p: ReminderFields, zone: string): Array<{ lead: string; at: Date }> {
  const leads = leadsOf(p);
  if (leads.length === 0) return [];
  return [...leads, OVERDUE].map((lead) => ({ lead, at: reminderMoment(due, lead, zone) }));
}

/**
 * The reminder a sweep over `(from, to]` fires for one person and due time: of those whose moment falls
 * in the window, the latest (the one nearest the due time: a worker that was down for a day sends the
 * overdue reminder, not three at once). Undefined when none falls in it.
 */
export function reminderToFire(due: Date, p: ReminderFields, zone: string, from: Date, to: Date): { lead: string; at: Date } | undefined {
  const inWindow = remindersOf(due, p, zone).filter((r) => r.at > from && r.at <= to);
  return inWindow.sort((a, b) => b.at.getTime() - a.at.getTime())[0];
}

/** The first reminder moment after `after` for one person and due time, or undefined. */
export function nextReminderMoment(due: Date, p: ReminderFields, zone: string, after: Date): Date | undefined {
  const times = remindersOf(due, p, zone)
    .map((r) => r.at.getTime())
    .filter((t) => t > after.getTime());
  return times.length ? new Date(Math.min(...times)) : undefined;
}

/** The unique key of one reminder: a task, a person, a lead and the due time it was for. */
export function reminderKey(taskId: string, personId: string, lead: string, due: Date): string {
  return `${taskId}:${personId}:${lead}:${due.toISOString()}`;
}

/** How long ago (or ahead) in the unit that reads naturally: minutes under 2 h, hours under 2 days; at least a minute. */
export function roughDuration(ms: number): { unit: 'minute' | 'hour' | 'day'; n: number } {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / 60_000));
  if (minutes < 120) return { unit: 'minute', n: minutes };
  const hours = Math.round(minutes / 60);
  if (hours < 48) return { unit: 'hour', n: hours };
  return { unit: 'day', n: Math.round(hours / 24) };
}
