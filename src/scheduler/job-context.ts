/**
 * What a job's worker thread is given (JobData) and works with (JobContext), and its channels, built once
 * and kept while Settings stay the same (ChannelCache). Shared by the dispatch job and the SMS report job.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { SecretBox, SecretKeys } from '../secrets.js';
import { SettingsModel, SETTINGS_ID } from '../db/models/index.js';
import { buildChannels, type ChannelSet } from '../delivery/channels/registry.js';
import type { DeliveryMetrics } from '../delivery/metrics.js';

/** What the main thread hands a job's worker thread. */
export interface JobData {
  /**
   * The validated configuration of the process that started the thread (gateway base URLs, bot token,
   * retry policy…). A thread never reads `process.env` for it: a thread's env is a copy taken when Worker
   * threads start, and whoever embeds the scheduler (a test, another launcher) may not have its settings there.
   */
  config: Config;
  mongoUri: string;
  /** The keys derived from SECRET_KEY: decrypt stored passwords and keys; stay in memory, never logged. */
  secrets: SecretKeys;
}

export interface JobContext {
  config: Config;
  logger: Logger;
  secrets: SecretBox;
  signal?: AbortSignal;
  /** The time; tests pass a controllable clock. @defaultValue () => new Date() */
  clock?: () => Date;
  /** Told of every outcome, send and run (in the dispatch thread, src/scheduler/metrics-relay.ts). @defaultValue none */
  metrics?: DeliveryMetrics;
  /** Told of claimed runs a database outage kept from starting (requeued with the interrupted one). */
  onInterrupted?: (run: InterruptedRun) => void;
}

/**
 * The channels of a thread, built from Settings and rebuilt only when Settings changed (their `version`),
 * so that a resident thread keeps its SMTP pool between runs.
 */
export class ChannelCache {
  #channels?: ChannelSet;
  #version = -1;
  /** Whether the e-mail connections of this set were opened ahead (see {@link ChannelCache.get}). */
  #warmed = false;

  constructor(private readonly ctx: JobContext) {}

  /**
   * The channels, built again when the settings changed. `forRun`: a run is about to send, so the e-mail
   * pool's connections are opened now, while it plans (once per set: later runs find them open). A report
   * poll opens none.
   */
  async get(forRun = false): Promise<ChannelSet> {
    const settings = await SettingsModel.findById(SETTINGS_ID).select({ version: 1 }).lean();
    const version = settings?.version ?? 0;
    if (!this.#channels || version !== this.#version) {
      await this.#channels?.close();
      this.#channels = await buildChannels({ ...this.ctx, warm: forRun, ...(this.ctx.metrics ? { observer: this.ctx.metrics } : {}) });
      this.#version = version;
      this.#warmed = forRun;
    } else {
      if (forRun && !this.#warmed) {
        this.#channels.warm();
        this.#warmed = true;
      }
      await this.#channels.ensureLinks();
    }
    return this.#channels;
  }

  async close(): Promise<void> {
    await this.#channels?.close();
    this.#channels = undefined;
  }
}

/** A run the database outage cut short: its id, and the owner its claims and leases were taken under. */
export interface InterruptedRun {
  id: string;
  dispatchOwner: string;
}
