/**
 * A person's Telegram account: whether they have one joined, and joining one to a person an admin added
 * without Telegram (offline-people.ts) when an invite made for them is redeemed (membership.ts). Apart from
 * both so that neither imports the other back.
 */
import type { Types } from 'mongoose';
import { PersonModel, type PersonDoc } from '../db/models/index.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import type { RegisterInput } from './people.js';
import { isTelegramAccount } from '../domain/types.js';

/** Whether the person has a Telegram account joined (a placeholder id is below zero). */
export function hasTelegram(p: Pick<PersonDoc, 'telegramId'>): boolean {
  return isTelegramAccount(p.telegramId);
}

/**
 * Joins the Telegram account of `input` to the person an invite was made for. A Telegram account that is
 * already somebody (a member, or blocked) is not moved: `taken`. A pending request by the same account is
 * dropped in favour of the invited person. The unique `telegramId` is the arbiter of two accounts racing.
 */
export async function linkPerson(personId: Types.ObjectId, input: RegisterInput): Promise<{ ok: true; person: PersonDoc } | { ok: false }> {
  const person = await PersonModel.findById(personId);
  if (!person || hasTelegram(person) || person.role === 'blocked') return { ok: false };
  const existing = await PersonModel.findOne({ telegramId: input.telegramId });
  if (existing) {
    if (existing.role !== 'pending') return { ok: false };
    await PersonModel.deleteOne({ _id: existing._id, role: 'pending' });
  }
  person.telegramId = input.telegramId;
  const username = input.username?.replace(/^@/, '').toLowerCase();
  if (username) person.username = username;
  try {
    await person.save();
  } catch (err) {
    if (isDuplicateKey(err)) return { ok: false };
    throw err;
  }
  return { ok: true, person };
}
