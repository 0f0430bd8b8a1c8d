import { DateTime } from 'luxon';
import type { Channel, QuietHours } from './types.js';

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Parses `HH:MM-HH:MM` (also `H.MM`, with spaces or a dash); undefined when malformed or empty-length. */
export function parseQuietHours(text: string): QuietHours | undefined {
  const m = text.trim().match(/^(\d{1,2}[:.]\d{2})\s*[-–—]\s*(\d{1,2}[:.]\d{2})$/);
  if (!m) return undefined;
  const start = m[1]!.replace('.', ':').padStart(5, '0');
  const end = m[2]!.replace('.', ':').padStart(5, '0');
  if (!HHMM.test(start) || !HHMM.test(end) || start === end) return undefined;
  return { start, end };
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * When `now` falls in the quiet hours (local wall-clock time in `zone`), the moment they end; otherwise
 * undefined. Hours with start after end span midnight (22:00-07:00).
 */
export function quietHoursEnd(now: Date, quiet: QuietHours | undefined | null, zone: string): Date | undefined {
  if (!quiet?.start || !quiet.end) return undefined;
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  if (start === end) return undefined;
  const local = DateTime.fromJSDate(now, { zone });
  const m = local.hour * 60 + local.minute;
  const inside = start < end ? m >= start && m < end : m >= start || m < end;
  if (!inside) return undefined;
  let until = local.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 });
  if (until <= local) until = until.plus({ days: 1 });
  return until.toJSDate();
}

/**
 * Until when a message on `channel` to this person waits for their quiet hours to end, or undefined when
 * it may go now. SMS always wait; e-mail waits when the person chose so; Telegram never waits.
 */
export function heldUntil(
  channel: Channel,
  person: { quietHours?: { start?: string | null; end?: string | null } | null; quietEmail?: boolean | null; timezone: string },
  now: Date,
): Date | undefined {
  const applies = channel === 'sms' || (channel === 'email' && Boolean(person.quietEmail));
  if (!applies || !person.quietHours?.start || !person.quietHours.end) return undefined;
  return quietHoursEnd(now, { start: person.quietHours.start, end: person.quietHours.end }, person.timezone);
}
