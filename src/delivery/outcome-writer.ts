/**
 * Group commit of a batch's outcomes. Every pool slot hands its message's outcomes to one writer and waits
 * for the write that carries them; the writer records whatever is ready in one `insertMany` into the outcome
 * journal (src/delivery/journal.ts), and what comes in during a write goes with the next one; a write waits
 * up to LINGER_MS for slots still sending, so that it carries about one outcome per slot. A slot still
 * sends its next message only once its last outcome is recorded: after a kill -9, at most one message per
 * slot (DISPATCH_CONCURRENCY in all) went out unrecorded and goes again, as the same message. Once the batch
 * is sent, {@link OutcomeWriter.fold} puts its outcomes into the deliveries' documents (three statements);
 * a batch that sends for long folds every FOLD_EVERY_MS on the way.
 * Lease renewals are their own statements on the claims (src/delivery/batch.ts) and never wait for a write.
 */
import type { LeanDelivery } from '../db/documents.js';
import { isConnectivityError } from '../db/db-watch.js';
import type { Logger } from '../logger.js';
import { entryOf, fold, record, type JournalEntry, type OutcomeUpdate } from './journal.js';

/** Pauses between tries of a write that failed for another reason than an outage. */
const RETRIES_MS = [250, 500, 1_000, 2_000, 4_000];
/** How long a write is tried again while the database is unreachable, in ms. */
const OUTAGE_RETRY_MS = 5 * 60_000;
/**
 * How long the first outcome of a write may wait for slots still sending, in ms. A write goes at once when
 * no slot is sending any more (all that will come is in), else after this: the slots fall into step, and a
 * write carries about as many outcomes as there are slots (group commit's "commit delay").
 */
export const LINGER_MS = 5;
/**
 * A batch that sends for longer than this (Telegram's pace, a slow mail server) folds what it has recorded
 * this often, beside its writes, so that a delivery's document tells its outcome within about this long.
 */
export const FOLD_EVERY_MS = 10_000;

interface Pending {
  entries: JournalEntry[];
  keys: string[];
  /** When it was handed in (Date.now()). */
  at: number;
  done: () => void;
}

/** What the writes carried, for the benchmark's profile and the tests. */
export interface WriteStats {
  /** Writes (flushes) so far. */
  flushes: number;
  /** Outcomes handed in (one per delivery). */
  outcomes: number;
  /** Folds that put outcomes into deliveries' documents (during the batch and at its end). */
  folds: number;
}

export interface OutcomeWriterOptions {
  logger: Logger;
  /** The worker's owner id, recorded with each entry. */
  owner: string;
  clock: () => Date;
  /** The batch's deliveries as claimed, by `_id`: what each outcome is applied to. */
  docs: ReadonlyMap<string, LeanDelivery>;
  /** Writes at the same time (1: pure group commit; see OUTCOME_WRITES). */
  inFlight: number;
  /**
   * Told of the group keys whose outcome could not be recorded at all: they stay claimed until their lease
   * runs out, and then go again as the same message.
   */
  onUnwritten: (keys: string[]) => void;
  /** How many pool slots are still sending (their outcomes are worth waiting {@link LINGER_MS} for). @defaultValue none */
  sending?: () => number;
  /** See {@link FOLD_EVERY_MS}. */
  foldEveryMs?: number;
}

export class OutcomeWriter {
  readonly #queue: Pending[] = [];
  readonly #writing = new Set<Promise<void>>();
  /** Recorded and not yet folded, in the order they were recorded. */
  readonly #recorded: JournalEntry[] = [];
  #linger: NodeJS.Timeout | undefined;
  /** The folds started during the batch, one after the other (see {@link FOLD_EVERY_MS}). */
  #folding: Promise<void> = Promise.resolve();
  #lastFold = Date.now();
  readonly stats: WriteStats = { flushes: 0, outcomes: 0, folds: 0 };

  readonly #opts: Required<OutcomeWriterOptions>;

  constructor(opts: OutcomeWriterOptions) {
    this.#opts = { sending: () => 0, foldEveryMs: FOLD_EVERY_MS, ...opts };
  }

  /** Records these outcomes with the next write; resolves once it is done (or given up, see onUnwritten). */
  write(updates: OutcomeUpdate[], keys: string[]): Promise<void> {
    if (updates.length === 0) return Promise.resolve();
    const at = this.#opts.clock();
    const entries = updates.map(({ id, update }) => {
      const d = this.#opts.docs.get(String(id));
      if (!d) throw new Error(`an outcome for delivery ${String(id)}, which is not in the batch`);
      return entryOf(d, update, this.#opts.owner, at);
    });
    return new Promise((done) => {
      this.#queue.push({ entries, keys, at: Date.now(), done });
      this.#kick();
    });
  }

  /** Waits for every write handed in so far (what lingers goes at once). */
  async settled(): Promise<void> {
    for (;;) {
      this.#kick(true);
      if (this.#writing.size === 0) return;
      await Promise.all(this.#writing);
    }
  }

  /**
   * Puts every recorded outcome into its delivery's document (after {@link settled}). False when that could
   * not be done: the journal still holds them, and whoever claims the deliveries next folds them.
   */
  async fold(): Promise<boolean> {
    await this.#folding;
    const entries = this.#recorded.splice(0);
    if (entries.length === 0) return true;
    const folded = await this.#retrying(
      () => fold(entries),
      entries.length,
      'could not fold the outcomes of a batch into its deliveries; the next claim of them will',
    );
    if (folded) this.stats.folds += 1;
    return folded;
  }

  /** Folds what is recorded so far, beside the writes; what it cannot fold is left to {@link fold}. */
  #foldSoFar(): void {
    this.#lastFold = Date.now();
    this.#folding = this.#folding.then(async () => {
      const entries = this.#recorded.splice(0);
      try {
        await fold(entries);
        if (entries.length) this.stats.folds += 1;
      } catch (err) {
        this.#opts.logger.debug({ err }, 'a fold during the batch failed; the batch folds them at its end');
        this.#recorded.unshift(...entries);
      }
    });
  }

  #kick(now = false): void {
    if (this.#writing.size >= this.#opts.inFlight || this.#queue.length === 0) return;
    const waited = Date.now() - this.#queue[0]!.at;
    if (!now && this.#opts.sending() > 0 && waited < LINGER_MS) {
      this.#linger ??= setTimeout(() => {
        this.#linger = undefined;
        this.#kick(true);
      }, LINGER_MS - waited);
      return;
    }
    clearTimeout(this.#linger);
    this.#linger = undefined;
    const items = this.#queue.splice(0);
    const w = this.#flush(items).finally(() => {
      this.#writing.delete(w);
      this.#kick();
    });
    this.#writing.add(w);
  }

  async #flush(items: Pending[]): Promise<void> {
    const entries = items.flatMap((i) => i.entries);
    this.stats.flushes += 1;
    this.stats.outcomes += entries.length;
    const ok = await this.#retrying(
      () => record(entries),
      entries.length,
      'could not record the outcome of messages; they will be sent again, as the same messages, once their leases run out',
    );
    if (ok) this.#recorded.push(...entries);
    else this.#opts.onUnwritten(items.flatMap((i) => i.keys));
    for (const i of items) i.done();
    if (Date.now() - this.#lastFold >= this.#opts.foldEveryMs) this.#foldSoFar();
  }

  /**
   * One write. While the database is unreachable it is tried again every second for up to
   * {@link OUTAGE_RETRY_MS} (a letter that went out must not go again because of a short outage); any other
   * error a few times. False when it still failed.
   */
  async #retrying(write: () => Promise<void>, outcomes: number, giveUp: string): Promise<boolean> {
    const outageUntil = Date.now() + OUTAGE_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await write();
        return true;
      } catch (err) {
        const outage = isConnectivityError(err) && Date.now() < outageUntil;
        if (!outage && attempt >= RETRIES_MS.length) {
          this.#opts.logger.error({ err, outcomes }, giveUp);
          return false;
        }
        this.#opts.logger.debug({ err, attempt }, 'an outcome write failed; trying again');
        await new Promise((r) => setTimeout(r, outage ? 1_000 : RETRIES_MS[Math.min(attempt, RETRIES_MS.length - 1)]));
      }
    }
  }
}
