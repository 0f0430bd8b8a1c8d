import { DeliveryModel } from '../db/models/index.js';
import { bulkWriteChunked } from '../db/bulk.js';
import type { SmsProvider } from './channels/sms/provider.js';

/**
 * Polls the gateway for delivery reports of SMS sent in the last `windowMs` that have no final report yet,
 * and stores them on the deliveries. Returns how many reports changed.
 */
export async function pollSmsReports(provider: SmsProvider, opts: { now?: Date; windowMs?: number; limit?: number } = {}): Promise<number> {
  if (!provider.status) return 0;
  const now = opts.now ?? new Date();
  const since = new Date(now.getTime() - (opts.windowMs ?? 3 * 24 * 3600_000));
  const pending = await DeliveryModel.find({
    channel: 'sms',
    status: 'sent',
    sentAt: { $gte: since },
    providerMessageId: { $exists: true },
    'report.final': { $ne: true },
  })
    .limit(opts.limit ?? 500)
    .select({ providerMessageId: 1 })
    .lean();
  if (pending.length === 0) return 0;
  const reports = await provider.status(pending.map((d) => d.providerMessageId!));
  const ops = pending.flatMap((d) => {
    const r = reports.get(d.providerMessageId!);
    if (!r) return [];
    return [
      {
        updateOne: {
          filter: { _id: d._id },
          update: { $set: { report: { code: r.code, text: r.text, final: r.final, at: now } } },
        },
      },
    ];
  });
  await bulkWriteChunked(DeliveryModel, ops, { ordered: false });
  return ops.length;
}
