import { duplicateWrites, isDuplicateKey } from './duplicate-key.js';
import { ClaimModel } from './models/claim.js';

/**
 * Inserts claim documents and returns the `_id`s this call won. Several workers may call it at once with
 * overlapping `_id`s: each is won by exactly one of them, because a claim is an insert under a unique `_id`
 * — atomic on MongoDB and on FerretDB alike.
 */
export async function insertClaims(docs: Array<{ _id: string; owner: string; at: Date; [field: string]: unknown }>): Promise<Set<string>> {
  if (docs.length === 0) return new Set();
  const won = new Set(docs.map((d) => d._id));
  try {
    await ClaimModel.insertMany(docs, { ordered: false, lean: true });
  } catch (err) {
    const lost = duplicateWrites(err);
    if (!lost?.every((w) => w.index !== undefined)) throw err;
    for (const { index } of lost) won.delete(docs[index!]!._id);
  }
  return won;
}

/** Tries to claim each key for `owner` and returns the keys this call won (see {@link insertClaims}). */
export async function claimKeys(keys: string[], owner: string, at = new Date()): Promise<Set<string>> {
  return insertClaims(keys.map((k) => ({ _id: k, owner, at })));
}

/** Claims one key; true when this call won it. */
export async function claimKey(key: string, owner: string, at = new Date()): Promise<boolean> {
  try {
    await ClaimModel.create({ _id: key, owner, at });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/**
 * Releases those of `keys` claimed before `before`: a claim whose worker died between the claim and the
 * lease write would otherwise block its delivery until the claim is pruned. Returns how many it released.
 */
export async function releaseStaleClaims(keys: string[], before: Date): Promise<number> {
  if (keys.length === 0) return 0;
  const r = await ClaimModel.deleteMany({ _id: { $in: keys }, at: { $lt: before } });
  return r.deletedCount;
}

/** Gives up claims this process holds (e.g. a save that failed after its claim). */
export async function releaseKeys(keys: string[]): Promise<void> {
  if (keys.length) await ClaimModel.deleteMany({ _id: { $in: keys } });
}

/** Gives up those of `keys` that `owner` still holds (one a stale-claim release handed to someone else stays theirs). */
export async function releaseOwnKeys(keys: string[], owner: string): Promise<void> {
  if (keys.length) await ClaimModel.deleteMany({ _id: { $in: keys }, owner });
}

/** Removes claims older than `before` (no TTL index on FerretDB: a job cleans up). */
export async function pruneClaims(before: Date): Promise<number> {
  const r = await ClaimModel.deleteMany({ at: { $lt: before } });
  return r.deletedCount;
}

/** Gives up every claim `owner` holds (a run interrupted by a database outage, whose keys are not known one by one). */
export async function releaseKeysOf(owner: string): Promise<number> {
  const r = await ClaimModel.deleteMany({ owner });
  return r.deletedCount;
}
