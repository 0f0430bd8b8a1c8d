/**
 * Replaces a database client that does not come back after an outage. Seen beside CPU stress: once the
 * server had restarted, a dispatch thread's client failed every command with `connection N … closed` for
 * minutes (the mongodb driver's server monitor did not recover it), while the process's other client and any
 * new one connected at once. The run it carried could not finish until the worker was restarted.
 *
 * So, every `everyMs`: the client pings; after `stuckAfterMs` of pings that failed with an error, a new client
 * of its own tries the same server. If that one answers, the database is back and only our client is not: it
 * is replaced (`reconnect`). If it does not, the database is away, which is an outage, not this: nothing is
 * done. A ping that is only slow (every connection of the pool busy with long queries, as on FerretDB with a
 * large backlog) is not a failure: replacing a busy client would cut its queries short for nothing.
 */
import mongoose from 'mongoose';
import type { Logger } from '../logger.js';
import { pingResult, type PingResult } from './db-watch.js';

export interface ClientWatchdogOptions {
  uri: string;
  logger: Logger;
  /** Replaces the client (closes it, connects a new one). */
  reconnect: () => Promise<void>;
  /** @defaultValue 5 s */
  everyMs?: number;
  /** How long the client's pings fail before a new client is tried. @defaultValue 20 s */
  stuckAfterMs?: number;
  /** Our client's ping. @defaultValue {@link pingOwnClient} */
  ping?: () => Promise<PingResult>;
  /** A new client's ping of the same server. @defaultValue {@link pingWithNewClient} */
  probe?: () => Promise<boolean>;
  now?: () => number;
}

export type WatchdogCheck = 'ok' | 'failing' | 'database away' | 'reconnected';

export class ClientWatchdog {
  readonly #opts: ClientWatchdogOptions;
  #failingSince: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<WatchdogCheck> | undefined;

  constructor(opts: ClientWatchdogOptions) {
    this.#opts = opts;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      this.check().catch((err: unknown) => this.#opts.logger.warn({ err }, 'the database client check failed'));
    }, this.#opts.everyMs ?? 5_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#checking;
  }

  /** One check (never two at once). */
  check(): Promise<WatchdogCheck> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #check(): Promise<WatchdogCheck> {
    const { logger } = this.#opts;
    const now = this.#opts.now ?? Date.now;
    const ping = this.#opts.ping ?? (() => pingOwnClient());
    const result = await ping();
    if (result === 'ok') {
      this.#failingSince = undefined;
      return 'ok';
    }
    if (result === 'slow') return this.#failingSince === undefined ? 'ok' : 'failing';
    this.#failingSince ??= now();
    const failedMs = now() - this.#failingSince;
    if (failedMs < (this.#opts.stuckAfterMs ?? 20_000)) return 'failing';
    const probe = this.#opts.probe ?? (() => pingWithNewClient(this.#opts.uri));
    if (!(await probe())) return 'database away';
    logger.warn(
      { failingForSeconds: Math.round(failedMs / 1000) },
      'the database answers a new client but not this one: replacing the database client',
    );
    try {
      await this.#opts.reconnect();
      this.#failingSince = undefined;
      return 'reconnected';
    } catch (err) {
      logger.warn({ err }, 'could not replace the database client; trying again');
      return 'failing';
    }
  }
}

/**
 * Pings through mongoose's client. The wait is longer than a server selection (which is how a stuck client
 * fails), so that an error, not a slow answer, is what counts.
 */
export function pingOwnClient(waitMs = 30_000): Promise<PingResult> {
  return pingResult(mongoose.connection, waitMs);
}

/** Whether a new client (not the process's) reaches the server at `uri` and gets a ping answered. */
export async function pingWithNewClient(uri: string, timeoutMs = 2_000): Promise<boolean> {
  const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.db().admin().ping();
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}
