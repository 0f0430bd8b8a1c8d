/** The one constructor of a Delivery document (planning and SMS fallbacks both use it) and its bulk insert. */
import { Types } from 'mongoose';
import { duplicateWrites } from '../db/duplicate-key.js';
import { DeliveryModel } from '../db/models/index.js';
import type { LeanRecipient } from '../db/documents.js';
import type { Channel } from '../domain/types.js';

/** What a new delivery is about and where it goes. */
export interface DeliveryPlan {
  /** The Change, or the Reminder (src/delivery/reminders.ts), it tells of. */
  change: Types.ObjectId;
  task: Types.ObjectId;
  taskNumber: number;
  person: Types.ObjectId;
  channel: Channel;
  /** Address on `channel` as it is now (see {@link addressOf}). */
  address: string;
  /** Not sent before this time. */
  nextAttemptAt: Date;
  /** Why it waits: `digest`, held for the person's daily digest time; `escalation`, an SMS waiting to be needed. */
  heldFor?: 'digest' | 'escalation';
  /** The failed delivery this one stands in for (SMS fallback). */
  fallbackOf?: Types.ObjectId;
}

export type NewDelivery = DeliveryPlan & {
  _id: Types.ObjectId;
  status: 'pending';
  attempts: 0;
  createdAt: Date;
  updatedAt: Date;
};

/** A pending Delivery document, never attempted nor claimed, ready for {@link insertDeliveries}. */
export function newDelivery(plan: DeliveryPlan, now: Date): NewDelivery {
  return { _id: new Types.ObjectId(), ...plan, status: 'pending', attempts: 0, createdAt: now, updatedAt: now };
}

/** The address a person has on a channel, or undefined when they have none. */
export function addressOf(person: Pick<LeanRecipient, 'telegramId' | 'email' | 'phone'>, channel: Channel): string | undefined {
  switch (channel) {
    case 'email':
      return person.email ?? undefined;
    case 'sms':
      return person.phone ?? undefined;
    case 'telegram':
      // A person without Telegram has a placeholder id below zero (src/services/offline-people.ts, telegram-link.ts).
      return person.telegramId > 0 ? String(person.telegramId) : undefined;
  }
}

/**
 * Inserts in bulk; a delivery that already exists under the unique (change, person, channel) key is skipped,
 * so planning twice plans nothing new. Returns how many were new.
 */
export async function insertDeliveries(docs: NewDelivery[]): Promise<number> {
  if (docs.length === 0) return 0;
  try {
    const r = await DeliveryModel.collection.insertMany(docs, { ordered: false });
    return r.insertedCount;
  } catch (err) {
    const skipped = duplicateWrites(err);
    if (!skipped) throw err;
    return docs.length - skipped.length;
  }
}
