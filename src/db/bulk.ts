import type { AnyBulkWriteOperation } from 'mongoose';

/** Any mongoose model (only its bulkWrite is used). */
interface BulkWritable {
  bulkWrite(ops: never, options: { ordered: boolean }): Promise<unknown>;
}

/**
 * Statements per bulk write. FerretDB 1.24 (our test server) never answers an update command of 100
 * statements (80 work; measured), so bulk writes are sent in chunks well below that. On MongoDB the cost
 * is a few more round trips per thousand documents.
 */
export const BULK_CHUNK = 50;

/** `model.bulkWrite(ops)` in chunks of {@link BULK_CHUNK}, one after the other (order kept). */
export async function bulkWriteChunked(
  model: BulkWritable,
  ops: AnyBulkWriteOperation[],
  options: { ordered?: boolean } = {},
): Promise<void> {
  for (let i = 0; i < ops.length; i += BULK_CHUNK) {
    await model.bulkWrite(ops.slice(i, i + BULK_CHUNK) as never, { ordered: options.ordered ?? true });
  }
}
