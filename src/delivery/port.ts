/**
 * What the bot asks of delivery. Of src/delivery the bot imports only this file (the lint's dependency
 * rule holds it to that); src/delivery/service.ts implements it and main.ts passes the implementation to
 * createBot(). The admin's gateway checks reach the channel clients through src/services/gateways.ts.
 */
import type { Channel } from '../domain/types.js';

export interface RunResult {
  /** Run document id. */
  runId: string;
  trigger: 'send' | 'schedule';
  taskNumber?: number;
  /** Messages that went out per channel (a digest counts once). */
  sent: Record<Channel, number>;
  /** Messages that failed for good in this run, with their reasons (grouped). */
  failed: Array<{ channel: Channel; reason: string; count: number }>;
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
  lastRun?: { finishedAt: string; trigger: string; sent: number; failed: number };
  /** Next scheduled run (ISO), or undefined when the schedule is off. */
  nextRun?: string;
  /** The most frequent recent failure reasons. */
  recentFailures: Array<{ reason: string; count: number }>;
}

export interface DeliveryPort {
  /** Runs a dispatch now (all, or one task) and resolves with what it did. */
  sendNow(opts: { taskNumber?: number; requestedBy?: number }): Promise<RunResult>;
  /** Who would get what, sending nothing. */
  dryRun(opts: { taskNumber?: number }): Promise<DryRunLine[]>;
  queue(): Promise<QueueSummary>;
  /** The schedule in Settings changed: apply it. */
  scheduleChanged(): Promise<void>;
}
