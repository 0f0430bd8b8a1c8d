import { ChangeModel, DeliveryModel, IdempotencyModel, ReminderModel, RunModel, SeenModel } from '../db/models/index.js';
import { pruneClaims } from '../db/claims.js';
import { pruneSlots } from '../db/slots.js';
import { failStaleRuns } from '../delivery/runs.js';
import { recoverOutcomes } from '../delivery/journal.js';

export interface MaintenanceResult {
  claims: number;
  /** Deliveries whose outcomes a dead worker left in the journal, folded in now (src/delivery/journal.ts). */
  outcomes: number;
  /** Slots of shared limits (Telegram budget, command and API limits, cooldowns) past their time. */
  slots: number;
  staleRuns: number;
  deliveries: number;
  changes: number;
  runs: number;
  /** API Idempotency-Keys older than a day (a replay after that is a new request). */
  idempotencyKeys: number;
}

/**
 * Housekeeping, every few minutes rather than on every /send: prunes old claims, fails runs whose
 * worker died, and deletes finished deliveries, planned changes and runs older than `retentionDays`
 * (0 keeps them). There are no TTL indexes on FerretDB, and there every update costs more for every
 * document kept, so history is not left to grow.
 */
export async function runMaintenance(now: Date, retentionDays: number): Promise<MaintenanceResult> {
  const claims = await pruneClaims(new Date(now.getTime() - 24 * 3600_000));
  const slots = await pruneSlots(now);
  const staleRuns = await failStaleRuns(15 * 60_000, now);
  // A batch folds its outcomes within seconds of its last send (minutes through an outage): older entries
  // are a dead worker's whose deliveries nobody has claimed since (or whose fold was cut mid-way).
  const outcomes = (await recoverOutcomes({ before: new Date(now.getTime() - 15 * 60_000) })).size;
  const idempotencyKeys = (await IdempotencyModel.deleteMany({ at: { $lt: new Date(now.getTime() - 24 * 3600_000) } })).deletedCount;
  const result: MaintenanceResult = { claims, outcomes, slots, staleRuns, deliveries: 0, changes: 0, runs: 0, idempotencyKeys };
  if (retentionDays > 0) {
    const cutoff = new Date(now.getTime() - retentionDays * 24 * 3600_000);
    result.deliveries = (
      await DeliveryModel.deleteMany({ status: { $in: ['sent', 'failed', 'skipped'] }, updatedAt: { $lt: cutoff } })
    ).deletedCount;
    result.changes = (await ChangeModel.deleteMany({ at: { $lt: cutoff }, plannedAt: { $ne: null } })).deletedCount;
    // A reminder's moment this old never comes into a sweep's window again; what people saw this long ago
    // is older than any SMS still held for escalation.
    await ReminderModel.deleteMany({ at: { $lt: cutoff }, plannedAt: { $ne: null } });
    await SeenModel.deleteMany({ at: { $lt: cutoff } });
    result.runs = (await RunModel.deleteMany({ requestedAt: { $lt: cutoff }, status: { $in: ['done', 'failed'] } })).deletedCount;
  }
  return result;
}
