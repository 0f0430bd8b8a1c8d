/** Small formatting helpers shared by the features. */
import { DateTime } from 'luxon';
import type { Channel } from '../domain/types.js';
import type { Texts } from '../i18n/index.js';
import { clip as clipText } from '../domain/text.js';

export function channelList(t: Texts, channels: readonly Channel[] | readonly string[]): string {
  return channels.length ? channels.map((c) => t.channel(c)).join(', ') : t.none;
}

export function dateTime(d: Date | string, zone: string): string {
  const dt = typeof d === 'string' ? DateTime.fromISO(d, { zone }) : DateTime.fromJSDate(d, { zone });
  return dt.isValid ? dt.toFormat('dd.MM.yyyy HH:mm') : String(d);
}

/** A reply clipped below Telegram's limit (4096), leaving room for what telegraf adds. */
export function clip(text: string, max = 4000): string {
  return clipText(text, max);
}
