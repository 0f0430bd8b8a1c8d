/**
 * Join requests from strangers, bounded: at most JOIN_REQUESTS_PER_HOUR new ones an hour for the whole
 * deployment (anyone on Telegram can write, and each request reaches every admin), and the admins hear of
 * them as one message per burst (src/bot/join-notices.ts), sent after the handler, not one per stranger.
 */
import type { Config } from '../config.js';
import { PersonModel, type PersonDoc } from '../db/models/index.js';
import { WindowLimiter } from '../db/shared-limits.js';
import { databaseSlots } from '../db/slots.js';
import { claimKeys } from '../db/claims.js';

const HOUR_MS = 3_600_000;
let limiter: WindowLimiter | undefined;

/** Counts one new request; false when this hour's are used up (the stranger is asked to come back later). */
export async function joinRequestAllowed(config: Pick<Config, 'JOIN_REQUESTS_PER_HOUR'>, now: () => number = Date.now): Promise<boolean> {
  limiter ??= new WindowLimiter('join', config.JOIN_REQUESTS_PER_HOUR, HOUR_MS, databaseSlots, now);
  return (await limiter.hit('all')).verdict === 'ok';
}

/** The most requests one message lists with buttons (the rest: /members). */
export const ANNOUNCE_MAX = 10;

/**
 * The requests no admin has been told of, each taken by exactly one caller (a claim per person, so two
 * bot processes never announce one request twice) and marked told: the first {@link ANNOUNCE_MAX} to show,
 * and how many more there are.
 */
export async function takeUnannouncedRequests(owner: string, now = new Date()): Promise<{ shown: PersonDoc[]; more: number }> {
  const waiting = await PersonModel.find({ role: 'pending', joinAnnouncedAt: { $exists: false } }).sort({ _id: 1 });
  const key = (p: PersonDoc) => `joinannounce:${String(p._id)}`;
  const won = await claimKeys(waiting.map(key), owner, now);
  const mine = waiting.filter((p) => won.has(key(p)));
  if (mine.length) await PersonModel.updateMany({ _id: { $in: mine.map((p) => p._id) } }, { $set: { joinAnnouncedAt: now } });
  return { shown: mine.slice(0, ANNOUNCE_MAX), more: Math.max(0, mine.length - ANNOUNCE_MAX) };
}
