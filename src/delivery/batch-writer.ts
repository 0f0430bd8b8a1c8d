/** The one chain through which a dispatch batch writes its deliveries: leases, results, lease renewals. */
import type { AnyBulkWriteOperation, Types } from 'mongoose';
import { BULK_CHUNK, bulkWriteChunked } from '../db/bulk.js';
import { DeliveryModel } from '../db/models/index.js';
import type { Logger } from '../logger.js';
import { isConnectivityError } from '../db/db-watch.js';

/** How long a write is retried while the database is unreachable, in ms: results in hand are not dropped by a short outage. */
const OUTAGE_RETRY_MS = 5 * 60_000;

/**
 * One update of one delivery, by `_id` alone. Exclusivity comes from the claim, not from the filter; and
 * an `_id`-only filter is the one FerretDB 1.x looks up through its index (any other filter scans the
 * whole collection), while on MongoDB it is as cheap as it gets.
 */
export function byId(id: Types.ObjectId, update: Record<string, unknown>): AnyBulkWriteOperation {
  return { updateOne: { filter: { _id: id }, update } };
}

/**
 * Every write of a batch goes through one chain, in order (FerretDB rewrites whole documents, so two
 * writes of ours to one document must never overlap). An entry is built when its chunk is sent, so a lease
 * counts from when it is written, not from when it was queued.
 *
 * A failed write is logged and counted, and the chain goes on: the deliveries it was for keep their lease,
 * which runs out, and a later run takes them over. No write is left floating: {@link flush} waits for all.
 */
export class BatchWriter {
  #entries: Array<() => AnyBulkWriteOperation> = [];
  #chain: Promise<void> = Promise.resolve();
  #failures = 0;

  /**
   * @param logger where failed writes are reported
   * @param flushAt queued entries that start a write without waiting for {@link flush} @defaultValue 100
   */
  constructor(
    private readonly logger: Logger,
    private readonly flushAt = 100,
  ) {}

  /** Writes that failed so far (each a chunk of up to {@link BULK_CHUNK} updates). */
  get failures(): number {
    return this.#failures;
  }

  /** Queues one update; a full queue is sent at once, behind what is already being written. */
  add(build: () => AnyBulkWriteOperation): void {
    this.#entries.push(build);
    if (this.#entries.length >= this.flushAt) this.send();
  }

  /** Sends what is queued and resolves once every write queued so far is done. Never rejects. */
  async flush(): Promise<void> {
    this.send();
    await this.#chain;
  }

  /**
   * Sends what is queued behind the writes in flight, without waiting for it; the chain catches its own
   * errors, and a later {@link flush} waits for it.
   */
  send(): void {
    const entries = this.#entries;
    this.#entries = [];
    if (entries.length === 0) return;
    this.#chain = this.#chain.then(async () => {
      for (let i = 0; i < entries.length; i += BULK_CHUNK) {
        const ops = entries.slice(i, i + BULK_CHUNK).map((build) => build());
        try {
          await writeThroughOutage(ops);
        } catch (err) {
          this.#failures += 1;
          this.logger.error({ err, writes: ops.length }, 'a delivery write failed; its leases will run out and the deliveries be retried');
        }
      }
    });
  }
}

/** Writes `ops`, trying again every second while the database is unreachable (up to {@link OUTAGE_RETRY_MS}). */
async function writeThroughOutage(ops: AnyBulkWriteOperation[]): Promise<void> {
  const until = Date.now() + OUTAGE_RETRY_MS;
  for (;;) {
    try {
      await bulkWriteChunked(DeliveryModel, ops);
      return;
    } catch (err) {
      if (!isConnectivityError(err) || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
