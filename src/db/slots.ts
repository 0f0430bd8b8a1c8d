/**
 * Where shared limits keep their slots: MongoDB for everything several processes must agree on, memory
 * for a process on its own (a test, a tool). A slot is taken by inserting its `_id`; a second insert of the
 * same `_id` loses (see src/db/models/slot.ts).
 */
import { isDuplicateKey, duplicateWrites } from './duplicate-key.js';
import { SlotModel } from './models/slot.js';

export interface SlotStore {
  /** Takes slot `id`, kept until `until` (ms since the epoch): true when this call won it. */
  take(id: string, until: number): Promise<boolean>;
  /** Takes every free one of `ids` (those taken already stay whose they are). */
  fill(ids: string[], until: number): Promise<void>;
  /** Gives slot `id` back (a cooldown refused after its slot was taken). */
  release(id: string): Promise<void>;
  /** When slot `id` was taken with its `until`, or undefined when it is free. */
  until(id: string): Promise<number | undefined>;
}

/** Slots in the database: every process of the deployment sees the same ones. */
export const databaseSlots: SlotStore = {
  async take(id, until) {
    try {
      await SlotModel.create({ _id: id, until: new Date(until) });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  },
  async fill(ids, until) {
    if (ids.length === 0) return;
    try {
      await SlotModel.insertMany(
        ids.map((_id) => ({ _id, until: new Date(until) })),
        { ordered: false, lean: true },
      );
    } catch (err) {
      if (!duplicateWrites(err)) throw err;
    }
  },
  async release(id) {
    await SlotModel.deleteOne({ _id: id });
  },
  async until(id) {
    const doc = await SlotModel.findById(id).lean();
    return doc ? doc.until.getTime() : undefined;
  },
};

/** Slots of this process only; `now` forgets those past their `until` (checked every thousand takes). */
export function memorySlots(now: () => number = Date.now): SlotStore {
  const slots = new Map<string, number>();
  let takes = 0;
  const sweep = () => {
    if (++takes % 1000 !== 0) return;
    const t = now();
    for (const [id, until] of slots) if (until < t) slots.delete(id);
  };
  return {
    take(id, until) {
      sweep();
      if (slots.has(id)) return Promise.resolve(false);
      slots.set(id, until);
      return Promise.resolve(true);
    },
    fill(ids, until) {
      for (const id of ids) if (!slots.has(id)) slots.set(id, until);
      return Promise.resolve();
    },
    release(id) {
      slots.delete(id);
      return Promise.resolve();
    },
    until(id) {
      return Promise.resolve(slots.get(id));
    },
  };
}

/** Deletes the slots whose `until` has passed (maintenance; no TTL index on FerretDB). */
export async function pruneSlots(now: Date): Promise<number> {
  const r = await SlotModel.deleteMany({ until: { $lt: now } });
  return r.deletedCount;
}

/** How many numbered slots `<prefix><k>` are taken: the uses a WindowLimiter counted (e.g. codes sent by SMS today). */
export async function countSlots(prefix: string): Promise<number> {
  return SlotModel.countDocuments({ _id: { $regex: `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[0-9]+$` } });
}
