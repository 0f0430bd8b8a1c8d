/** The answers kept for requests with an `Idempotency-Key` (src/http/api/idempotency.ts), one document a key. */
import { IdempotencyModel } from './models/index.js';
import { isDuplicateKey } from './duplicate-key.js';

/** Claims `id` for a request now running, by a unique insert; false when someone holds it already. */
export async function claimIdempotencyKey(id: string, fingerprint: string): Promise<boolean> {
  try {
    await IdempotencyModel.create({ _id: id, fingerprint, state: 'running', at: new Date() });
    return true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return false;
  }
}

/** What is kept under `id`: the first request's fingerprint, whether it is done, and its answer. */
export async function idempotentAnswer(id: string) {
  return IdempotencyModel.findById(id).lean();
}

/** Keeps the answer of the request that claimed `id`. */
export async function keepIdempotentAnswer(id: string, status: number, body: string): Promise<void> {
  await IdempotencyModel.updateOne({ _id: id }, { $set: { state: 'done', status, body } });
}

/** Frees `id` again (its request failed on our side: a retry may run it). */
export async function forgetIdempotencyKey(id: string): Promise<void> {
  await IdempotencyModel.deleteOne({ _id: id });
}
