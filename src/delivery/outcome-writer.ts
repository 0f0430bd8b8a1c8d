/**
 * Group commit of a batch's outcomes. Every pool slot hands its message's outcome updates to one writer and
 * waits for the write that carries them; the writer writes whatever is ready in one go (one bulk write, in
 * chunks of BULK_CHUNK statements, with identical updates merged into one `updateMany`), and what comes in
 * during a write goes with the next one. So the database sees one write at a time however many slots send,
 * and a slot still sends its next message only once its last outcome is recorded: after a kill -9, at most
 * one message per slot (DISPATCH_CONCURRENCY in all) went out unrecorded and goes again, as the same message.
 * Lease renewals are their own statements on the claims (src/delivery/batch.ts) and never wait for a write.
 */
import type { AnyBulkWriteOperation } from 'mongoose';
import type { Logger } from '../logger.js';
import { bulkWriteChunked } from '../db/bulk.js';
import { isConnectivityError } from '../db/db-watch.js';
import { DeliveryModel } from '../db/models/index.js';
import { mergeOutcomes } from './outcomes.js';

/** Pauses between tries of a write that failed for another reason than an outage. */
const RETRIES_MS = [250, 500, 1_000, 2_000, 4_000];
/** How long a write is tried again while the database is unreachable, in ms. */
const OUTAGE_RETRY_MS = 5 * 60_000;

interface Pending {
  ops: AnyBulkWriteOperation[];
  keys: string[];
  done: () => void;
}

/** What one write carried, for the benchmark's profile and the tests. */
export interface WriteStats {
  /** Writes (flushes) so far. */
  flushes: number;
  /** Outcome updates handed in (one per delivery). */
  outcomes: number;
  /** Statements sent for them after merging. */
  statements: number;
}

export class OutcomeWriter {
  readonly #queue: Pending[] = [];
  readonly #writing = new Set<Promise<void>>();
  readonly stats: WriteStats = { flushes: 0, outcomes: 0, statements: 0 };

  /**
   * @param inFlight writes at the same time: 1 is pure group commit (fewest statements and round trips,
   *   what MongoDB likes); more lets a database whose every update costs in proportion to the collection
   *   (FerretDB 1.x) work on several at once. What is queued while they run goes with the next.
   * @param onUnwritten told of the group keys whose outcome could not be written at all: they stay claimed
   *   until their lease runs out, and then go again as the same message
   */
  constructor(
    private readonly logger: Logger,
    private readonly inFlight: number,
    private readonly onUnwritten: (keys: string[]) => void,
  ) {}

  /** Records these outcomes with the next write; resolves once it is done (or given up, see onUnwritten). */
  write(ops: AnyBulkWriteOperation[], keys: string[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return new Promise((done) => {
      this.#queue.push({ ops, keys, done });
      this.#kick();
    });
  }

  /** Waits for every write handed in so far. */
  async settled(): Promise<void> {
    while (this.#writing.size) await Promise.all(this.#writing);
  }

  #kick(): void {
    if (this.#writing.size >= this.inFlight || this.#queue.length === 0) return;
    const items = this.#queue.splice(0);
    const w = this.#flush(items).finally(() => {
      this.#writing.delete(w);
      this.#kick();
    });
    this.#writing.add(w);
  }

  async #flush(items: Pending[]): Promise<void> {
    const ops = mergeOutcomes(items.flatMap((i) => i.ops));
    this.stats.flushes += 1;
    this.stats.outcomes += items.reduce((n, i) => n + i.ops.length, 0);
    this.stats.statements += ops.length;
    if (!(await this.#write(ops))) this.onUnwritten(items.flatMap((i) => i.keys));
    for (const i of items) i.done();
  }

  /**
   * One write. While the database is unreachable it is tried again every second for up to
   * {@link OUTAGE_RETRY_MS} (a letter that went out must not go again because of a short outage); any other
   * error a few times. False when it still failed.
   */
  async #write(ops: AnyBulkWriteOperation[]): Promise<boolean> {
    const outageUntil = Date.now() + OUTAGE_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await bulkWriteChunked(DeliveryModel, ops);
        return true;
      } catch (err) {
        const outage = isConnectivityError(err) && Date.now() < outageUntil;
        if (!outage && attempt >= RETRIES_MS.length) {
          this.logger.error(
            { err, writes: ops.length },
            'could not record the outcome of messages; they will be sent again, as the same messages, once their leases run out',
          );
          return false;
        }
        this.logger.debug({ err, attempt }, 'an outcome write failed; trying again');
        await new Promise((r) => setTimeout(r, outage ? 1_000 : RETRIES_MS[Math.min(attempt, RETRIES_MS.length - 1)]));
      }
    }
  }
}
