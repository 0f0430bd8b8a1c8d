/**
 * Who hears of a task's changes, on which channels: one rule for planning (when a change is fanned out) and
 * for the check made again when a message goes (src/delivery/recheck.ts), so that what was planned and
 * what may still go are decided alike.
 */
import { canSee, isParticipant, type TaskAccessFacts } from '../domain/access.js';
import { DEFAULT_PARTICIPANT_CHANNELS, isMemberRole, type Channel } from '../domain/types.js';
import type { LeanRecipient } from '../db/documents.js';

/** Only members and admins hear about tasks: pending and removed (blocked) people get nothing. */
export function mayHear(person: Pick<LeanRecipient, 'role'>): boolean {
  return isMemberRole(person.role);
}

/**
 * The channels `person` hears of `task` on now: as its author or assignee their participant channels
 * (`/channels`, e-mail by default), as an observer the channels they chose (`watching`, undefined when they
 * do not watch it). Empty when they may not hear of it: not a member, or a private task they may not see.
 */
export function channelsFor(
  task: TaskAccessFacts,
  person: Pick<LeanRecipient, '_id' | 'role' | 'participantChannels'>,
  watching: readonly string[] | undefined,
): Set<Channel> {
  const id = String(person._id);
  const channels = new Set<Channel>();
  if (!mayHear(person)) return channels;
  if (!canSee({ id, admin: person.role === 'admin' }, task, watching !== undefined)) return channels;
  if (isParticipant({ id }, task)) for (const c of person.participantChannels ?? DEFAULT_PARTICIPANT_CHANNELS) channels.add(c as Channel);
  for (const c of watching ?? []) channels.add(c as Channel);
  return channels;
}
