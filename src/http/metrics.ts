/**
 * The registry `/metrics` serves (prom-client): the delivery engine's counters and histograms, fed by the
 * deltas the dispatch thread posts (the Scheduler hands them to {@link TaskwatchMetrics.apply}), the queue
 * gauges counted from the database when scraped, and Node's default process metrics.
 * The families and what a healthy value looks like: README, "Reading the metrics".
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { countQueue, type QueueCounts } from '../db/queue-counts.js';
import { CHANNELS, type Channel, type FailureCause } from '../domain/types.js';
import {
  DELIVERY_OUTCOMES,
  FAILURE_CAUSES,
  replayMetrics,
  type DeliveryMetrics,
  type DeliveryOutcome,
  type MetricsDelta,
  type RunTrigger,
} from '../delivery/metrics.js';
import type { Logger } from '../logger.js';

export interface TaskwatchMetrics extends DeliveryMetrics {
  /** What `/metrics` serves (`metrics()` and `contentType`). */
  readonly registry: Registry;
  /** Adds what a dispatch thread observed. */
  apply(delta: MetricsDelta): void;
}

export interface MetricsOptions {
  logger: Logger;
  /** How long the queue gauges' counts are reused, in ms: each count scans the deliveries on FerretDB. @defaultValue 5000 */
  queueCacheMs?: number;
  /** Counts the queue; tests may pass their own. @defaultValue one aggregate over the pending deliveries */
  countQueue?: () => Promise<QueueCounts>;
  /** Node's default process metrics (CPU, memory, event loop lag, GC). @defaultValue true */
  processMetrics?: boolean;
}

const SEND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LATENCY_BUCKETS = [0.5, 1, 2.5, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 10_800, 43_200, 86_400];
const RUN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/** A fresh registry with every taskwatch family (each test or process its own). */
export function createMetrics(opts: MetricsOptions): TaskwatchMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const deliveries = new Counter({
    name: 'taskwatch_deliveries_total',
    help: 'Deliveries (one person, channel and change) by what became of them in a run: sent, retried, failed (by cause), held by quiet hours, dropped (no longer allowed), saved (an SMS escalation made unneeded)',
    labelNames: ['channel', 'outcome', 'cause'] as const,
    registers,
  });
  const sendSeconds = new Histogram({
    name: 'taskwatch_send_duration_seconds',
    help: 'One call to the provider for one message (SMTP, SMS gateway, Bot API; Telegram without its own pacing), by channel and result',
    labelNames: ['channel', 'result'] as const,
    buckets: SEND_BUCKETS,
    registers,
  });
  const latency = new Histogram({
    name: 'taskwatch_change_to_sent_seconds',
    help: 'From a task change to its delivery going out, by channel',
    labelNames: ['channel'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const runSeconds = new Histogram({
    name: 'taskwatch_run_duration_seconds',
    help: 'One dispatch run, from being claimed by a worker to its result, by trigger (send or schedule)',
    labelNames: ['trigger'] as const,
    buckets: RUN_BUCKETS,
    registers,
  });
  const telegram429 = new Counter({
    name: 'taskwatch_telegram_rate_limited_total',
    help: 'Telegram 429 Too Many Requests answers (each waited out as retry_after asks)',
    registers,
  });
  const smsParts = new Counter({ name: 'taskwatch_sms_parts_total', help: 'SMS parts the gateway billed, where it says', registers });
  const smsCost = new Counter({
    name: 'taskwatch_sms_cost_total',
    help: "SMS cost in the gateway account's currency, where the gateway says",
    registers,
  });

  // Every label set known in advance is there from the start at 0, so rate() and alerts see it.
  for (const channel of CHANNELS) {
    for (const outcome of DELIVERY_OUTCOMES) {
      if (outcome === 'sent' || outcome === 'held' || outcome === 'saved') deliveries.inc({ channel, outcome }, 0);
      else for (const cause of FAILURE_CAUSES) deliveries.inc({ channel, outcome, cause }, 0);
    }
    sendSeconds.zero({ channel, result: 'ok' });
    sendSeconds.zero({ channel, result: 'error' });
    latency.zero({ channel });
  }
  for (const trigger of ['send', 'schedule'] as const) runSeconds.zero({ trigger });

  const count = opts.countQueue ?? countQueue;
  const cacheMs = opts.queueCacheMs ?? 5000;
  let cached: { at: number; counts: Promise<QueueCounts | undefined> } | undefined;
  /** Shared by the three gauges of one scrape, and reused for `cacheMs`; undefined when the database failed. */
  const queue = (): Promise<QueueCounts | undefined> => {
    const now = Date.now();
    if (!cached || now - cached.at >= cacheMs) {
      const counts = count().catch((err: unknown) => {
        opts.logger.warn({ err }, 'metrics: could not count the queue');
        cached = undefined; // try again at the next scrape
        return undefined;
      });
      cached = { at: now, counts };
    }
    return cached.counts;
  };
  const queueGauge = (name: string, help: string, key: keyof QueueCounts) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        // NaN when the database cannot be counted: no figure rather than a stale one.
        this.set((await queue())?.[key] ?? Number.NaN);
      },
    });
  queueGauge(
    'taskwatch_deliveries_pending',
    'Pending deliveries: due, waiting for a retry, held by quiet hours or waiting for a digest (counted at most every few seconds)',
    'pending',
  );
  queueGauge('taskwatch_deliveries_retrying', 'Pending deliveries waiting for a retry after a temporary failure', 'retrying');
  queueGauge('taskwatch_deliveries_held', "Pending deliveries held until their person's quiet hours end", 'held');
  queueGauge('taskwatch_deliveries_digest', "Pending deliveries waiting for their person's daily digest", 'digest');
  queueGauge(
    'taskwatch_deliveries_escalation',
    'Pending SMS held for escalation: they go only if their person has not seen the task in Telegram by then',
    'escalation',
  );

  const metrics: TaskwatchMetrics = {
    registry,
    apply: (delta) => replayMetrics(delta, metrics),
    deliveries(channel: Channel, outcome: DeliveryOutcome, n: number, cause?: FailureCause) {
      deliveries.inc({ channel, outcome, ...(cause && (outcome === 'retried' || outcome === 'failed') ? { cause } : {}) }, n);
    },
    changeLatency: (channel, seconds) => latency.observe({ channel }, seconds),
    runDuration: (trigger: RunTrigger, seconds) => runSeconds.observe({ trigger }, seconds),
    sendTime: (channel, seconds, ok) => sendSeconds.observe({ channel, result: ok ? 'ok' : 'error' }, seconds),
    smsBilled(parts, cost) {
      if (parts) smsParts.inc(parts);
      if (cost) smsCost.inc(cost);
    },
    telegramRateLimited: () => telegram429.inc(),
  };
  return metrics;
}
