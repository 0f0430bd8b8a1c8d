/**
 * telegraf session store on a mongoose model (`@telegraf/session`'s MongoDB adapter wants another driver).
 * A session with no conversation going on is removed rather than kept, so that the collection holds only
 * conversations in progress.
 */
import { SessionModel } from './models/index.js';

/** telegraf's AsyncSessionStore, by its shape. */
export interface SessionStore<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, data: T): Promise<void>;
  delete(key: string): Promise<void>;
}

function isIdle(data: unknown): boolean {
  const d = data as { __scenes?: { current?: string } } | undefined;
  return !d || (Object.keys(d).every((k) => k === '__scenes') && !d.__scenes?.current);
}

export function mongooseSessionStore<T>(): SessionStore<T> {
  return {
    async get(key) {
      const doc = await SessionModel.findById(key, { data: 1 }).lean<{ data?: T }>();
      return doc?.data ?? undefined;
    },
    async set(key, data) {
      if (isIdle(data)) await SessionModel.deleteOne({ _id: key });
      else await SessionModel.updateOne({ _id: key }, { $set: { data, updatedAt: new Date() } }, { upsert: true });
    },
    async delete(key) {
      await SessionModel.deleteOne({ _id: key });
    },
  };
}
