/** Claiming due deliveries: several workers share the work, and each delivery goes to one of them. */
import { claimKeys } from '../db/claims.js';
import type { LeanDelivery } from '../db/documents.js';
import { DeliveryModel } from '../db/models/index.js';

export interface ClaimedBatch {
  /** Deliveries this call won. */
  winners: LeanDelivery[];
  /** Claim keys of pending deliveries someone else holds (for the stale-claim release). */
  lostPending: string[];
}

/** The claim key of a delivery's next claim, `<id>:<claimSeq>` (see src/db/claims.ts). */
export function claimKey(d: Pick<LeanDelivery, '_id' | 'claimSeq'>): string {
  return `${String(d._id)}:${d.claimSeq}`;
}

/**
 * Claims up to `limit` due deliveries (pending and due by `dueBy`, or sending with a lease run out at `now`):
 * whoever inserts a delivery's claim first owns it. The lease itself is written afterwards, through the
 * batch's writer. Returns 'none' when nothing is due.
 */
export async function claimDue(opts: {
  owner: string;
  limit: number;
  dueBy: Date;
  now: Date;
  taskNumber?: number | undefined;
}): Promise<ClaimedBatch | 'none'> {
  const due: Record<string, unknown> = {
    $or: [
      { status: 'pending', nextAttemptAt: { $lte: opts.dueBy } },
      { status: 'sending', leaseUntil: { $lt: opts.now } },
    ],
    ...(opts.taskNumber !== undefined ? { taskNumber: opts.taskNumber } : {}),
  };
  const candidates = await DeliveryModel.find(due).sort({ nextAttemptAt: 1 }).limit(opts.limit).lean<LeanDelivery[]>();
  if (candidates.length === 0) return 'none';
  const won = await claimKeys(candidates.map(claimKey), opts.owner, opts.now);
  return {
    winners: candidates.filter((c) => won.has(claimKey(c))),
    lostPending: candidates.filter((c) => !won.has(claimKey(c)) && c.status === 'pending').map(claimKey),
  };
}
