/**
 * How a person hears of changes: the channels for their own tasks (`/channels`) and their digest mode
 * (`/digest`). Plain functions over the models, no telegraf.
 */
import { DeliveryModel, PersonModel, type PersonDoc } from '../db/models/index.js';
import { dailyDigestOf, nextDigestAt, parseDigest, type DailyDigest } from '../domain/digest.js';
import { UserError } from '../domain/errors.js';
import { isOff } from '../domain/off-words.js';
import { CHANNELS, type Channel } from '../domain/types.js';
import { missingAddress, parseChannels } from './observers.js';
import type { PersonId } from './people.js';

async function load(personId: PersonId): Promise<PersonDoc> {
  const p = await PersonModel.findById(personId);
  if (!p) throw new UserError('person_not_found', { ref: String(personId) });
  return p;
}

/**
 * `email sms`, `telegram`, … or `off`/`none` (no notifications for one's own tasks) → the channels, in
 * canonical order; `channel_unknown` for a word that is no channel.
 */
export function parseOwnChannels(words: readonly string[]): Channel[] {
  if (words.length === 1 && isOff(words[0]!)) return [];
  return parseChannels(words);
}

/**
 * Sets the channels by which the person hears of changes to the tasks they author or are assigned to
 * (empty: none). Refuses a channel they have no address for (`channel_no_address`, with the command that
 * adds it) and changes nothing then.
 */
export async function setOwnChannels(
  personId: PersonId,
  channels: readonly Channel[],
  /** The channels whose address is checked. @defaultValue all of `channels` */
  checked: readonly Channel[] = channels,
): Promise<PersonDoc> {
  const p = await load(personId);
  const missing = missingAddress(p, checked);
  if (missing) {
    throw new UserError('channel_no_address', {
      channel: missing,
      name: p.name,
      // Only the person themselves sets their own channels: told in the second person.
      self: 1,
      command: missing === 'email' ? '/email' : missing === 'sms' ? '/phone' : '/person invite',
    });
  }
  p.set('participantChannels', [...channels]);
  await p.save();
  return p;
}

/**
 * Toggles one channel of the person's own-task channels (the `/channels` buttons). Turning one on needs an
 * address on it (`channel_no_address`, changing nothing); turning one off never does.
 */
export async function toggleOwnChannel(personId: PersonId, channel: Channel): Promise<PersonDoc> {
  const p = await load(personId);
  const current = ownChannels(p);
  if (current.includes(channel)) {
    p.set(
      'participantChannels',
      current.filter((c) => c !== channel),
    );
    await p.save();
    return p;
  }
  return setOwnChannels(
    personId,
    CHANNELS.filter((c) => c === channel || current.includes(c)),
    [channel],
  );
}

/** The channels for one's own tasks as they are in force (stored, or the default of people who never chose). */
export function ownChannels(p: Pick<PersonDoc, 'participantChannels'>): Channel[] {
  return [...(p.participantChannels ?? [])] as Channel[];
}

/**
 * Sets the digest mode from what follows `/digest` (`now`, or `daily HH:MM [sms]`); `digest_invalid`
 * otherwise, changing nothing. The person's pending deliveries follow at once: to daily, those not waiting
 * for a retry are held for the next digest time (their SMS skipped, without `sms`); to now, those held for
 * a digest become due at `now`.
 */
export async function setDigest(personId: PersonId, words: readonly string[], now = new Date()): Promise<PersonDoc> {
  const parsed = parseDigest(words);
  if (!parsed) throw new UserError('digest_invalid', { value: words.join(' ') });
  const p = await load(personId);
  if (parsed === 'now') {
    p.set('digestTime', undefined);
    p.set('digestSms', undefined);
  } else {
    p.set('digestTime', parsed.time);
    p.set('digestSms', parsed.sms);
  }
  await p.save();
  await replanPending(p, now);
  return p;
}

/**
 * Puts the person's pending deliveries in line with their digest mode (see {@link setDigest}); also after
 * their time zone changed, so that the digest comes at their new local time.
 */
export async function replanPending(p: PersonDoc, now = new Date()): Promise<void> {
  const daily: DailyDigest | undefined = dailyDigestOf(p);
  if (!daily) {
    await DeliveryModel.updateMany(
      { person: p._id, status: 'pending', heldFor: 'digest' },
      { $set: { nextAttemptAt: now }, $unset: { heldFor: '' } },
    );
    return;
  }
  const notRetrying = { person: p._id, status: 'pending' as const, heldFor: { $ne: 'retry' as const } };
  if (!daily.sms) {
    await DeliveryModel.updateMany(
      { ...notRetrying, channel: 'sms' },
      { $set: { status: 'skipped', lastError: 'no SMS in daily digest mode (/digest)' }, $unset: { heldFor: '' } },
    );
  }
  await DeliveryModel.updateMany(notRetrying, {
    $set: { nextAttemptAt: nextDigestAt(daily.time, p.timezone, now), heldFor: 'digest' },
  });
}
