/** The pending deliveries counted by why they wait: the queue gauges of `/metrics` (src/http/metrics.ts). */
import { DeliveryModel } from './models/index.js';

export interface QueueCounts {
  /** Every pending delivery: due now, waiting for a retry, or held by quiet hours. */
  pending: number;
  /** Of the pending: waiting for a retry after a temporary failure. */
  retrying: number;
  /** Of the pending: held until their person's quiet hours end. */
  held: number;
  /** Of the pending: waiting for their person's daily digest (not due until then: not a stuck queue). */
  digest: number;
  /** Of the pending: SMS held for escalation, sent only if their person has not seen the task by then. */
  escalation: number;
}

/** One pass over the pending deliveries, grouped by why they wait: three figures for the price of one scan. */
export async function countQueue(): Promise<QueueCounts> {
  const rows = await DeliveryModel.aggregate<{ _id: string | null; n: number }>([
    { $match: { status: 'pending' } },
    { $group: { _id: '$heldFor', n: { $sum: 1 } } },
  ]);
  const of = (key: string) => rows.find((r) => r._id === key)?.n ?? 0;
  return {
    pending: rows.reduce((a, r) => a + r.n, 0),
    retrying: of('retry'),
    held: of('quiet'),
    digest: of('digest'),
    escalation: of('escalation'),
  };
}
