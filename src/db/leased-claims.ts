/**
 * Leased claims: a claim (a unique insert, see claims.ts) that names what it covers and holds it only while
 * its lease is renewed. The dispatch claims what one person gets on one channel this way: the claim fixes
 * the message (its deliveries) before anything is sent, and the lease, renewed while the worker works, is
 * the only thing that keeps other workers away — no write to the deliveries themselves.
 */
import type { Types } from 'mongoose';
import { insertClaims } from './claims.js';
import { ClaimModel } from './models/claim.js';

interface StoredClaim {
  _id: string;
  owner: string;
  at: Date;
  leaseUntil?: Date | null;
  items?: Types.ObjectId[] | null;
}

/** A claim this call holds, with what it covers. */
export interface HeldClaim {
  key: string;
  items: Types.ObjectId[];
  /** Taken over from a worker whose lease ran out (its items are that worker's). */
  takenOver: boolean;
}

/** A claim someone else holds, and when its lease runs out. */
export interface LostClaim {
  key: string;
  owner: string;
  leaseUntil?: Date | undefined;
}

/**
 * Inserts a leased claim for each entry; returns the entries won. Several workers may call it at once with
 * overlapping keys: each key is won by exactly one (unique `_id`).
 */
export async function insertLeasedClaims(
  entries: Array<{ key: string; items: Types.ObjectId[] }>,
  owner: string,
  now: Date,
  leaseUntil: Date,
): Promise<Set<string>> {
  return insertClaims(entries.map((e) => ({ _id: e.key, owner, at: now, leaseUntil, items: e.items })));
}

/**
 * Takes over those of `keys` whose lease ran out at `now` (their worker died or lost touch): each is
 * deleted in its holder's name and inserted anew for `owner` with the same items, so the new holder sends
 * what the old one was sending. Returns the claims taken over and those still held by others.
 */
export async function takeOverLapsed(
  keys: string[],
  owner: string,
  now: Date,
  leaseUntil: Date,
): Promise<{ taken: HeldClaim[]; lost: LostClaim[] }> {
  if (keys.length === 0) return { taken: [], lost: [] };
  const held = await ClaimModel.find({ _id: { $in: keys } }).lean<StoredClaim[]>();
  const lapsed = held.filter((c) => !c.leaseUntil || c.leaseUntil < now);
  const taken: HeldClaim[] = [];
  for (const c of lapsed) {
    // In the old holder's name, as we read it: a claim someone took over, or its holder renewed, meanwhile stays.
    await ClaimModel.deleteOne({ _id: c._id, owner: c.owner, at: c.at, leaseUntil: c.leaseUntil ?? { $exists: false } });
    const won = await insertLeasedClaims([{ key: c._id, items: c.items ?? [] }], owner, now, leaseUntil);
    if (won.size === 1) taken.push({ key: c._id, items: c.items ?? [], takenOver: true });
  }
  const mine = new Set(taken.map((t) => t.key));
  // A key with no claim at all was released after our insert failed: the next claim round takes it.
  const lost = held.filter((c) => !mine.has(c._id)).map((c) => ({ key: c._id, owner: c.owner, leaseUntil: c.leaseUntil ?? undefined }));
  return { taken, lost };
}

/** Sets what `owner`'s claim `key` covers (before anything of it is sent). */
export async function setClaimItems(key: string, owner: string, items: Types.ObjectId[]): Promise<void> {
  await ClaimModel.updateOne({ _id: key, owner }, { $set: { items } });
}

/** Pushes the lease of `owner`'s claims among `keys` on to `leaseUntil`: one statement, whatever their number. */
export async function renewLeases(keys: string[], owner: string, leaseUntil: Date): Promise<void> {
  if (keys.length) await ClaimModel.updateMany({ _id: { $in: keys }, owner }, { $set: { leaseUntil } });
}
