/** What a dispatch pass needs, and what it reports (src/delivery/dispatch.ts). */
import type { Logger } from '../logger.js';
import type { Alerter } from './alerts.js';
import type { ChannelSet } from './channels/registry.js';
import type { RunResult } from './port.js';
import type { RetryPolicy } from './retry.js';
import type { DeliveryMetrics } from './metrics.js';

export interface DispatchDeps {
  channels: ChannelSet;
  alerter: Alerter;
  logger: Logger;
  policy: RetryPolicy;
  /** Due deliveries one claim looks at; it takes every due delivery of their (person, channel) groups. */
  batchSize: number;
  /** Messages sent at the same time. */
  concurrency: number;
  /** Outcome writes at the same time (group commit, src/delivery/outcome-writer.ts). @defaultValue 1 */
  outcomeWrites?: number;
  /** Lease length in ms of the batch's claims; renewed while the batch is being sent. */
  leaseMs: number;
  /** Names the claims and leases of this run. */
  owner: string;
  clock?: () => Date;
  /** Stops: no new message is started; those not started are given back (see Batch.run). */
  signal?: AbortSignal;
  /** Told of each outcome (src/delivery/metrics.ts). @defaultValue NO_METRICS */
  metrics?: DeliveryMetrics;
}

export type DispatchOutcome = Omit<RunResult, 'runId' | 'trigger' | 'startedAt' | 'finishedAt'> & {
  /**
   * Deliveries due in this run were held by another worker's claim: when the first of those leases runs
   * out (ISO). If that worker is gone, a run after then takes them over (see src/scheduler/dispatch-job.ts).
   */
  othersLeaseEnd?: string;
};
