/**
 * Digest modes: `now` (every run brings what changed, as one message per channel) or `daily` (one message a
 * day at a wall-clock time in the person's zone, with everything since the last one). No I/O here.
 */
import { DateTime } from 'luxon';

/** A person's daily digest: the local time `HH:MM`, and whether SMS go in it (without: no SMS while daily). */
export interface DailyDigest {
  time: string;
  sms: boolean;
}

/** What a person's digest settings are stored as on the Person (`digestTime` absent: `now` mode). */
export interface DigestFields {
  digestTime?: string | null;
  digestSms?: boolean | null;
}

/** The person's daily digest, or undefined in `now` mode. */
export function dailyDigestOf(p: DigestFields): DailyDigest | undefined {
  return p.digestTime ? { time: p.digestTime, sms: Boolean(p.digestSms) } : undefined;
}

/** `HH:MM` (also `H:MM`, `H.MM`) zero-padded, or undefined when it is not a time of day. */
export function parseTimeOfDay(text: string): string | undefined {
  const m = /^(\d{1,2})[:.](\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) return undefined;
  return `${String(h).padStart(2, '0')}:${m[2]}`;
}

/** The words that add SMS to a daily digest. */
const SMS_WORDS = ['sms', 'смс'];

/**
 * Parses what follows `/digest`: `now` → `'now'`; `daily HH:MM [sms]` (also `ежедневно`) → the daily digest;
 * anything else → undefined.
 */
export function parseDigest(words: readonly string[]): 'now' | DailyDigest | undefined {
  const [mode, time, extra, ...rest] = words.map((w) => w.toLowerCase());
  if (rest.length) return undefined;
  if ((mode === 'now' || mode === 'сразу') && time === undefined) return 'now';
  if (mode !== 'daily' && mode !== 'ежедневно') return undefined;
  const t = time === undefined ? undefined : parseTimeOfDay(time);
  if (!t) return undefined;
  if (extra !== undefined && !SMS_WORDS.includes(extra)) return undefined;
  return { time: t, sms: extra !== undefined };
}

/**
 * The first moment strictly after `after` when the wall clock in `zone` reads `time` (`HH:MM`). DST-safe: on
 * a day when that local time does not exist (the clock jumps over it), luxon moves it forward by the gap; a
 * time that occurs twice is taken at its first occurrence. An unknown zone counts as UTC.
 */
export function nextDigestAt(time: string, zone: string, after: Date): Date {
  const [h, m] = time.split(':').map(Number) as [number, number];
  let local = DateTime.fromJSDate(after, { zone });
  if (!local.isValid) local = DateTime.fromJSDate(after, { zone: 'UTC' });
  for (let days = 0; days < 3; days++) {
    const day = local.plus({ days });
    const at = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: h, minute: m }, { zone: local.zone });
    if (at.toMillis() > after.getTime()) return at.toJSDate();
  }
  // Unreachable: within three days the time comes round.
  return local.plus({ days: 1 }).toJSDate();
}
