/**
 * Watching the database from one process: a ping every second tells whether the server answers. An outage
 * is logged in one line per phase — lost, still down (at most every `reportEveryMs`), back after X s — instead
 * of a stack trace per failed query, and whoever depends on it (the scheduler's polls, the outage alert)
 * asks {@link DatabaseWatch.up} or waits for {@link DatabaseWatch.whenUp}.
 */
import mongoose from 'mongoose';
import type { Logger } from '../logger.js';

/** How long a ping may take before the database counts as not answering, in ms. */
export const PING_TIMEOUT_MS = 2_000;

/** How a ping went: answered, failed with an error, or not answered within the wait. */
export type PingResult = 'ok' | 'error' | 'slow';

/**
 * Pings the server through `connection`, waiting `waitMs` at most. Cheap: no query of ours, one round trip;
 * while the server is away the driver would wait for it up to serverSelectionTimeoutMS, so the wait is cut
 * short here.
 */
export async function pingResult(connection: mongoose.Connection, waitMs: number): Promise<PingResult> {
  const db = connection.db;
  if (!db) return 'error';
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'slow'>((resolve) => (timer = setTimeout(() => resolve('slow'), waitMs)));
  try {
    return await Promise.race([
      db
        .admin()
        .ping()
        .then(() => 'ok' as const),
      slow,
    ]);
  } catch {
    return 'error';
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the server answers a ping within `timeoutMs` (see {@link pingResult}). */
export async function pingDatabase(connection: mongoose.Connection = mongoose.connection, timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
  return (await pingResult(connection, timeoutMs)) === 'ok';
}

/** Errors that mean "the database is not reachable now", as opposed to a refused or wrong query. */
export function isConnectivityError(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | null | undefined;
  if (!e) return false;
  const name = e.name ?? '';
  return (
    /MongoNetwork|ServerSelection|MongoNotConnected|MongoTopologyClosed|PoolCleared|MongoNetworkTimeout/.test(name) ||
    /buffering timed out|ECONNREFUSED|ECONNRESET|connection .* closed|Client must be connected|server selection/i.test(e.message ?? '')
  );
}

/**
 * Logs a database write that failed on the side of the work (not the work itself). While the database is
 * unreachable that is the outage, which the process's database watch logs once per phase: debug only.
 */
export function warnUnlessOutage(logger: Logger, err: unknown, fields: Record<string, unknown>, msg: string): void {
  if (isConnectivityError(err)) logger.debug({ ...fields, err }, msg);
  else logger.warn({ ...fields, err }, msg);
}

/** One outage as this process saw it. */
export interface Outage {
  /** When the first failed check was made. */
  since: Date;
  /** When the database answered again. */
  backAt: Date;
}

export interface DatabaseWatchOptions {
  logger: Logger;
  /** Time between two checks, in ms. @defaultValue 1000 */
  checkEveryMs?: number;
  /** How often "still unreachable" is logged during an outage, in ms. @defaultValue 30_000 */
  reportEveryMs?: number;
  /** Checks in a row that must fail before the database counts as lost (one slow ping is not an outage). @defaultValue 2 */
  failuresToLose?: number;
  /** Called once per outage, after the database is back (e.g. to tell admins). Its errors are logged. */
  onRecovered?: (outage: Outage) => Promise<void>;
  /** The check; tests of the watch itself may pass another. @defaultValue {@link pingDatabase} */
  check?: () => Promise<boolean>;
}

/** See the module comment. `start()` begins checking; `stop()` ends it. */
export class DatabaseWatch {
  #up = true;
  #failures = 0;
  #since?: Date;
  #lastReport = 0;
  #timer?: NodeJS.Timeout;
  #checking = false;
  #waiters: Array<() => void> = [];
  readonly #opts: Required<Omit<DatabaseWatchOptions, 'onRecovered'>> & Pick<DatabaseWatchOptions, 'onRecovered'>;

  constructor(opts: DatabaseWatchOptions) {
    this.#opts = {
      checkEveryMs: 1_000,
      reportEveryMs: 30_000,
      failuresToLose: 2,
      check: () => pingDatabase(),
      ...opts,
    };
  }

  /** False from the moment the database counts as lost until it answers again. */
  get up(): boolean {
    return this.#up;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#tick().catch((err: unknown) => this.#opts.logger.error({ err }, 'database check failed'));
    }, this.#opts.checkEveryMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves at once while the database is up, else when it is back (or the watch stops). */
  whenUp(): Promise<void> {
    if (this.#up) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async #tick(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    const at = new Date();
    let ok: boolean;
    try {
      ok = await this.#opts.check();
    } finally {
      this.#checking = false;
    }
    const { logger } = this.#opts;
    if (ok) {
      this.#failures = 0;
      if (this.#up) {
        this.#since = undefined;
        return;
      }
      const outage = { since: this.#since!, backAt: new Date() };
      this.#up = true;
      this.#since = undefined;
      logger.info(
        { downSeconds: seconds(outage.backAt.getTime() - outage.since.getTime()) },
        `database back after ${seconds(outage.backAt.getTime() - outage.since.getTime())} s`,
      );
      for (const w of this.#waiters.splice(0)) w();
      await this.#opts.onRecovered?.(outage).catch((err: unknown) => logger.error({ err }, 'could not report the database outage'));
      return;
    }
    this.#failures += 1;
    this.#since ??= at;
    if (this.#up) {
      if (this.#failures < this.#opts.failuresToLose) return;
      this.#up = false;
      this.#lastReport = Date.now();
      logger.error({ since: this.#since.toISOString() }, 'database unreachable: work waits until it is back');
      return;
    }
    if (Date.now() - this.#lastReport >= this.#opts.reportEveryMs) {
      this.#lastReport = Date.now();
      const down = seconds(Date.now() - this.#since.getTime());
      logger.warn({ downSeconds: down }, `database still unreachable after ${down} s`);
    }
  }
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
