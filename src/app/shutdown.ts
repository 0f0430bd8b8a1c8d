/**
 * Stopping a process: on SIGTERM or SIGINT (or a start-up that failed, or polling that stopped) no new work
 * is taken, the running dispatch finishes, the bot's unfinished work is waited for, then the HTTP server and
 * the database close. Guarded against running twice.
 */
import type { Logger } from '../logger.js';
import type { Database } from '../db/connection.js';
import { isConnectivityError, type DatabaseWatch } from '../db/db-watch.js';
import type { HttpServer } from '../http/server.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { explainStartupError } from '../startup-errors.js';

/** What this process started, each set once it is running. */
export interface Running {
  db?: Database;
  watch?: DatabaseWatch;
  scheduler?: Scheduler;
  stopBot?: () => Promise<void>;
  http?: HttpServer;
  /** The e-mail reply intake (REPLY_SMTP_PORT). */
  replyIntake?: { close(): Promise<void> };
}

export class Shutdown {
  readonly running: Running = {};
  #stopping = false;

  constructor(private readonly logger: Logger) {}

  /** Stops what runs, in order, and exits with `code` (1 if stopping failed). Safe to call twice. */
  async stop(signal: string, code = 0): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const { logger, running } = this;
    logger.info({ signal }, 'stopping: no new work, letting the running dispatch finish');
    try {
      running.watch?.stop();
      const botStopped = running.stopBot?.();
      await running.scheduler?.stop();
      await botStopped;
      await running.replyIntake?.close();
      await running.http?.close();
      await running.db?.close();
      logger.info('stopped');
    } catch (err) {
      logger.error({ err }, 'error while stopping');
      code = code || 1;
    }
    process.exit(code);
  }

  /** {@link stop} from where nobody awaits it: its own failure is only logged. */
  stopLater(signal: string, code?: number): void {
    this.stop(signal, code).catch((err: unknown) => this.logger.error({ err }, 'shutdown failed'));
  }

  /** Stops on SIGTERM and SIGINT; logs the rejections nobody waited for instead of dying of them. */
  listen(): void {
    process.on('SIGTERM', () => this.stopLater('SIGTERM'));
    process.on('SIGINT', () => this.stopLater('SIGINT'));
    // A promise nobody waited for must not end a process that serves others; during a database outage such a
    // failure is the outage's, which the watch logs in one line per phase.
    process.on('unhandledRejection', (err: unknown) => {
      const watch = this.running.watch;
      if (isConnectivityError(err) && watch && !watch.up) this.logger.debug({ err }, 'unhandled rejection during the database outage');
      else this.logger.error({ err }, 'unhandled rejection');
    });
  }

  /** Start-up failed: one line a person can act on when the failure is a known one, then stop with 1. */
  async failedToStart(err: unknown, mongoUri: string | undefined): Promise<void> {
    const line = explainStartupError(err, { mongoUri });
    if (line === undefined) {
      this.logger.fatal({ err }, 'start-up failed');
    } else {
      // The stack only for those who ask for it.
      process.stderr.write(`taskwatch: ${line}\n`);
      this.logger.debug({ err }, 'start-up failed');
    }
    await this.stop('start-up failed', 1);
  }
}
