/**
 * How a due-date reminder reads, on every channel: one plain line per reminder, in the recipient's words
 * and zone (`Задание #12 «…» просрочено с 25.12 18:00 (2 дня)`). A message of reminders only is these lines;
 * a message that also carries changes has them first. Pure: no I/O.
 */
import { OVERDUE, roughDuration } from './reminders.js';
import { formatDate, oneLine, type NotificationItem, type RenderOptions } from './templates-format.js';
import { renderEmailHtml } from './templates-html.js';
import { clip } from './text.js';
import type { TaskRole } from './types.js';

/** One reminder as a line: how long is left (or how long it is overdue) is counted at `now`, when it goes. */
export function reminderLine(item: NotificationItem, opts: RenderOptions, now: Date): string {
  const r = item.reminder;
  if (!r) return '';
  const w = opts.words;
  const title = clip(oneLine(item.task.title), 80);
  const due = formatDate(r.due, opts, 'short');
  const gap = roughDuration(r.due.getTime() - now.getTime());
  const overdue = r.lead === OVERDUE || r.due.getTime() <= now.getTime();
  return overdue
    ? w.overdue(item.task.number, title, due, w.duration(gap.unit, gap.n))
    : w.dueIn(item.task.number, title, due, w.duration(gap.unit, gap.n));
}

/** The lines of the reminders among `items`, oldest first. */
export function reminderLines(items: NotificationItem[], opts: RenderOptions, now: Date): string[] {
  return items.filter((i) => i.reminder).map((i) => reminderLine(i, opts, now));
}

/** A letter of reminders only: the line (or a counting subject), the lines, and why the person gets it. */
export function renderReminderEmail(
  items: NotificationItem[],
  opts: RenderOptions,
  now: Date,
): { subject: string; text: string; html: string } {
  const lines = reminderLines(items, opts, now);
  const subject = clip(lines.length === 1 ? lines[0]! : opts.words.reminders(lines.length), 150);
  const roles = new Set(items.map((i) => i.role));
  const role: TaskRole | undefined = roles.size === 1 ? [...roles][0] : undefined;
  const why = opts.words.why(role, [...new Set(items.map((i) => i.task.number))]);
  const text = `${lines.join('\n')}\n\n-- \n${why}\n`;
  return { subject, text, html: renderEmailHtml([], opts, subject, [why], lines) };
}
