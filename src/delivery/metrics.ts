/**
 * What the delivery engine tells about its work, for metrics: an observer the engine calls at each outcome
 * point ({@link DeliveryMetrics}, a no-op by default), and the plain-data delta a worker thread accumulates
 * and posts to the main thread, whose registry serves `/metrics` (src/http/metrics.ts).
 *
 * Labels are bounded by construction: a channel, an outcome, a failure cause (the FailureCause union), a
 * run trigger. Never a person, an address or a task.
 */
import type { Channel, FailureCause } from '../domain/types.js';
import type { ChannelObserver } from './channels/types.js';

/** What became of a delivery in a run: sent, put back for a retry, failed for good, held by quiet hours. */
/** `dropped`: no longer allowed when its message was composed (src/delivery/recheck.ts). */
/** `saved`: an SMS held for escalation that did not go, its person having seen the task in Telegram. */
export type DeliveryOutcome = 'sent' | 'retried' | 'failed' | 'held' | 'dropped' | 'saved';
export const DELIVERY_OUTCOMES: readonly DeliveryOutcome[] = ['sent', 'retried', 'failed', 'held', 'dropped', 'saved'];
export const FAILURE_CAUSES: readonly FailureCause[] = ['auth', 'balance', 'sender', 'address', 'config', 'limit', 'other'];
export type RunTrigger = 'send' | 'schedule';

/** The engine's observer. Every method is cheap and never throws into the engine. */
export interface DeliveryMetrics extends ChannelObserver {
  /** `count` deliveries (not messages: a digest counts each of its deliveries) came to `outcome`; `cause` for retried and failed. */
  deliveries(channel: Channel, outcome: DeliveryOutcome, count: number, cause?: FailureCause): void;
  /** A delivery went out `seconds` after its change was made. */
  changeLatency(channel: Channel, seconds: number): void;
  /** A run took `seconds` from being claimed to its result. */
  runDuration(trigger: RunTrigger, seconds: number): void;
}

/** Observes nothing: the default where nobody reads metrics (tests, the benchmark, the CLI). */
export const NO_METRICS: DeliveryMetrics = {
  deliveries: () => undefined,
  changeLatency: () => undefined,
  runDuration: () => undefined,
  sendTime: () => undefined,
  smsBilled: () => undefined,
  telegramRateLimited: () => undefined,
};

/** A sent group: its deliveries counted, and each one's change → sent latency (`changeAt` finds its change's time). */
export function observeSent(
  metrics: DeliveryMetrics,
  channel: Channel,
  deliveries: ReadonlyArray<{ change: unknown }>,
  changeAt: (changeId: string) => Date | undefined,
  now: Date,
): void {
  metrics.deliveries(channel, 'sent', deliveries.length);
  for (const d of deliveries) {
    const at = changeAt(String(d.change));
    if (at) metrics.changeLatency(channel, Math.max(0, (now.getTime() - at.getTime()) / 1000));
  }
}

/**
 * What happened since the last delta, as plain data (it crosses a thread boundary by structured clone):
 * counts added up by their labels, observations as the values themselves (a second of sending is at most
 * a few thousand numbers).
 */
export interface MetricsDelta {
  deliveries: Array<{ channel: Channel; outcome: DeliveryOutcome; cause?: FailureCause; count: number }>;
  sendSeconds: Array<{ channel: Channel; ok: boolean; values: number[] }>;
  latencySeconds: Array<{ channel: Channel; values: number[] }>;
  runSeconds: Array<{ trigger: RunTrigger; values: number[] }>;
  telegram429: number;
  smsParts: number;
  smsCost: number;
}

/** Accumulates what it observes into a {@link MetricsDelta}; {@link take} hands it over and starts afresh. */
export class MetricsRecorder implements DeliveryMetrics {
  #deliveries = new Map<string, MetricsDelta['deliveries'][number]>();
  #send = new Map<string, MetricsDelta['sendSeconds'][number]>();
  #latency = new Map<Channel, number[]>();
  #runs = new Map<RunTrigger, number[]>();
  #telegram429 = 0;
  #smsParts = 0;
  #smsCost = 0;
  #empty = true;

  deliveries(channel: Channel, outcome: DeliveryOutcome, count: number, cause?: FailureCause): void {
    const key = `${channel}:${outcome}:${cause ?? ''}`;
    const entry = this.#deliveries.get(key) ?? { channel, outcome, ...(cause ? { cause } : {}), count: 0 };
    entry.count += count;
    this.#deliveries.set(key, entry);
    this.#empty = false;
  }

  changeLatency(channel: Channel, seconds: number): void {
    push(this.#latency, channel, seconds);
    this.#empty = false;
  }

  runDuration(trigger: RunTrigger, seconds: number): void {
    push(this.#runs, trigger, seconds);
    this.#empty = false;
  }

  sendTime(channel: Channel, seconds: number, ok: boolean): void {
    const key = `${channel}:${ok}`;
    const entry = this.#send.get(key) ?? { channel, ok, values: [] };
    entry.values.push(seconds);
    this.#send.set(key, entry);
    this.#empty = false;
  }

  smsBilled(parts: number | undefined, cost: number | undefined): void {
    if (parts !== undefined && Number.isFinite(parts)) this.#smsParts += parts;
    if (cost !== undefined && Number.isFinite(cost)) this.#smsCost += cost;
    this.#empty = false;
  }

  telegramRateLimited(): void {
    this.#telegram429 += 1;
    this.#empty = false;
  }

  /** What was observed since the last call, or undefined when nothing was. */
  take(): MetricsDelta | undefined {
    if (this.#empty) return undefined;
    const delta: MetricsDelta = {
      deliveries: [...this.#deliveries.values()],
      sendSeconds: [...this.#send.values()],
      latencySeconds: [...this.#latency].map(([channel, values]) => ({ channel, values })),
      runSeconds: [...this.#runs].map(([trigger, values]) => ({ trigger, values })),
      telegram429: this.#telegram429,
      smsParts: this.#smsParts,
      smsCost: this.#smsCost,
    };
    this.#deliveries = new Map();
    this.#send = new Map();
    this.#latency = new Map();
    this.#runs = new Map();
    this.#telegram429 = this.#smsParts = this.#smsCost = 0;
    this.#empty = true;
    return delta;
  }
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const values = map.get(key);
  if (values) values.push(value);
  else map.set(key, [value]);
}

/** Plays a delta into another observer (the main thread's registry). */
export function replayMetrics(delta: MetricsDelta, into: DeliveryMetrics): void {
  for (const d of delta.deliveries) into.deliveries(d.channel, d.outcome, d.count, d.cause);
  for (const s of delta.sendSeconds) for (const v of s.values) into.sendTime(s.channel, v, s.ok);
  for (const l of delta.latencySeconds) for (const v of l.values) into.changeLatency(l.channel, v);
  for (const r of delta.runSeconds) for (const v of r.values) into.runDuration(r.trigger, v);
  for (let i = 0; i < delta.telegram429; i++) into.telegramRateLimited();
  if (delta.smsParts || delta.smsCost) into.smsBilled(delta.smsParts, delta.smsCost);
}

/** The message a worker thread posts with a delta. */
export interface MetricsMessage {
  type: 'taskwatch-metrics';
  delta: MetricsDelta;
}

/** Whether a message from a worker thread carries a metrics delta. */
export function isMetricsMessage(message: unknown): message is MetricsMessage {
  const m = message as Partial<MetricsMessage> | null;
  return typeof m === 'object' && m !== null && m.type === 'taskwatch-metrics' && typeof m.delta === 'object' && m.delta !== null;
}
