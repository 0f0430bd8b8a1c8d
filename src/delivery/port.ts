/**
 * What the bot asks of delivery. Of src/delivery the bot imports only this file (the lint's dependency
 * rule holds it to that); src/delivery/service.ts implements it and src/main.ts hands the implementation
 * to createBot() (src/app/bot-role.ts). The admin's gateway checks go through the functions of
 * src/services/gateways.ts.
 */
import type { Channel, FailureCause } from '../domain/types.js';

/** Messages of a run that failed for good for one reason. */
export interface RunFailure {
  channel: Channel;
  /** Our record of it, in English (as in the delivery's lastError). */
  reason: string;
  count: number;
  /** Why: people read this, translated (src/i18n/failures.ts). Absent in runs recorded before it was kept. */
  cause?: FailureCause;
  /** The provider's (or server's) own words, shown to admins only, quoted. */
  detail?: string;
  /** A temporary failure that became final after this many attempts. */
  gaveUpAfter?: number;
}

export interface RunResult {
  /** Run document id. */
  runId: string;
  trigger: 'send' | 'schedule';
  taskNumber?: number;
  /** Messages that went out per channel (a digest counts once). */
  sent: Record<Channel, number>;
  /** Messages that failed for good in this run, with their reasons (grouped). */
  failed: RunFailure[];
  /** Messages that will be tried again later (temporary failures). Every count of a run is of messages. */
  retrying: number;
  /** Messages held until their person's quiet hours end (one per person and channel, of any number of changes). */
  held: number;
  /** Messages held for their person's daily digest time (one per person and channel), not due in this run. */
  digest?: number;
  startedAt: string;
  finishedAt: string;
}

export interface DryRunLine {
  taskNumber: number;
  /** When one message would carry several tasks (a digest): all of them. */
  taskNumbers?: number[];
  personName: string;
  channel: Channel;
  address: string;
  /** For SMS: parts and encoding of the rendered text. */
  smsParts?: number;
  smsEncoding?: 'GSM-7' | 'UCS-2';
  /** For SMS: the channel it goes by instead if the gateway refuses it for good (the person has an address there). */
  fallback?: Channel;
  /** Held by quiet hours until this time (ISO), if it would be. */
  heldUntil?: string;
}

export interface QueueSummary {
  pending: number;
  /** Of the pending: waiting for a retry, and held by quiet hours. */
  retrying: number;
  held: number;
  /** Of the pending: held for their person's daily digest time (`/digest daily`). */
  digest?: number;
  sending: number;
  failed: number;
  sent: number;
  /** Dropped when their message was composed: no longer allowed (src/delivery/recheck.ts). */
  dropped: number;
  /** Of the pending: SMS held for escalation (`/escalate`). */
  escalation?: number;
  /** SMS not sent because their person saw the task in Telegram within the escalation time. */
  savedByEscalation?: number;
  lastRun?: { finishedAt: string; trigger: string; sent: number; failed: number };
  /** Next scheduled run (ISO), or undefined when the schedule is off. */
  nextRun?: string;
  /** The most frequent recent failure reasons. */
  recentFailures: Array<{ reason: string; count: number; channel?: Channel; cause?: FailureCause }>;
}

/** How far a run got that did not end in time: no worker took it yet (`requested`), or one is carrying it out. */
export type RunState = 'requested' | 'running';

/** A run did not end within the wait (see {@link DeliveryPort.sendNow}). */
export class RunTimeoutError extends Error {
  override readonly name = 'RunTimeoutError';
  constructor(
    readonly state: RunState,
    message: string,
  ) {
    super(message);
  }
}

/** A run ended without a result: its worker stopped, or the run itself failed. */
export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
}

export interface DeliveryPort {
  /**
   * Runs a dispatch now (all, or one task) and resolves with what it did. Without `onSlow` it rejects with
   * {@link RunTimeoutError} once the service's send timeout passes; with it, `onSlow` is told then, and
   * the wait goes on up to the service's longer limit. A run that ends without a result rejects with
   * {@link RunFailedError}.
   */
  sendNow(opts: { taskNumber?: number; requestedBy?: number; onSlow?: (state: RunState) => Promise<void> }): Promise<RunResult>;
  /** Who would get what, sending nothing. */
  dryRun(opts: { taskNumber?: number }): Promise<DryRunLine[]>;
  queue(): Promise<QueueSummary>;
  /** The schedule in Settings changed: apply it. */
  scheduleChanged(): Promise<void>;
  /**
   * A due date, a task's status or assignee, or someone's reminder leads changed: the worker in this
   * process sets its reminder alarm again at once (others read it again within their rescan).
   */
  timesChanged?(): Promise<void>;
}
