/** MongoDB's (and FerretDB's) answer when an insert meets a unique index: the one arbiter of a race here. */

/** The server's error code for a duplicate key. */
export const DUPLICATE_KEY = 11000;

/** Whether `err` is a duplicate-key error of a single write. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | null | undefined)?.code === DUPLICATE_KEY;
}

type WriteError = { index?: number; code?: number; err?: { index?: number; code?: number } };

/**
 * The documents an unordered `insertMany` skipped as duplicates, each with its index in the batch where
 * the server tells it; undefined when `err` is not such an error or any write failed for another reason
 * (then the caller rethrows).
 */
export function duplicateWrites(err: unknown): Array<{ index: number | undefined }> | undefined {
  const raw = (err as { writeErrors?: WriteError[] | WriteError } | null | undefined)?.writeErrors;
  const writeErrors = Array.isArray(raw) ? raw : raw ? [raw] : undefined;
  if (!writeErrors?.every((we) => (we.code ?? we.err?.code) === DUPLICATE_KEY)) return undefined;
  return writeErrors.map((we) => ({ index: we.index ?? we.err?.index }));
}
