/**
 * Group commit of outcomes and the outcome journal (src/delivery/outcome-writer.ts, src/delivery/journal.ts)
 * against the real database: what many pool slots hand in while a write is running goes together in the
 * next one, every slot resumes only once its own outcome is recorded, one fold puts the batch's outcomes
 * into the deliveries, and what a dead worker recorded but never folded is folded by whoever comes next,
 * never sent again, and never applied over a newer state.
 */
import { Types } from 'mongoose';
import type { LeanDelivery } from '../../src/db/documents.js';
import { DeliveryModel, OutcomeModel } from '../../src/db/models/index.js';
import { createLogger } from '../../src/logger.js';
import { OutcomeWriter } from '../../src/delivery/outcome-writer.js';
import { entryOf, fold, record, recoverOutcomes } from '../../src/delivery/journal.js';
import { byId, outcome } from '../../src/delivery/outcomes.js';
import { claimDue } from '../../src/delivery/claiming.js';
import { tasksOfNotification } from '../../src/services/replies.js';
import { clearDatabase, useTestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';

useTestDatabase();
beforeEach(() => clearDatabase());

async function pending(n: number): Promise<LeanDelivery[]> {
  const docs = Array.from({ length: n }, (_, i) => ({
    change: new Types.ObjectId(),
    task: new Types.ObjectId(),
    taskNumber: 1,
    person: new Types.ObjectId(),
    channel: 'email' as const,
    address: `p${i}@example.org`,
    nextAttemptAt: new Date(0),
  }));
  const ids = (await DeliveryModel.insertMany(docs)).map((d) => d._id);
  return DeliveryModel.find({ _id: { $in: ids } }).lean<LeanDelivery[]>();
}

/** A batch's writer over `docs` (worker `w1`, no slot still sending). */
function writerOf(
  docs: LeanDelivery[],
  opts: { inFlight?: number; foldEveryMs?: number; unwritten?: (keys: string[]) => void } = {},
): OutcomeWriter {
  const claimed = new Map(docs.map((d) => [String(d._id), d]));
  const unwritten = opts.unwritten ?? (() => undefined);
  return new OutcomeWriter({
    logger: createLogger('silent'),
    owner: 'w1',
    clock: () => new Date(),
    docs: claimed,
    inFlight: opts.inFlight ?? 1,
    onUnwritten: unwritten,
    ...(opts.foldEveryMs !== undefined ? { foldEveryMs: opts.foldEveryMs } : {}),
  });
}
const status = async (id: Types.ObjectId) => (await DeliveryModel.findById(id).lean())?.status;

/** `worker`'s outcome of `d`: a temporary failure, tried again at `at`. */
const retry = (d: LeanDelivery, worker: string, at = new Date()) =>
  entryOf(d, outcome.retrying({ attempts: 1, at, reason: 'busy', cause: 'limit', detail: '421' }), worker, new Date());

/** `worker`'s outcome of delivery `id` as it reads it now: sent, at its second attempt. */
const sentNow = async (id: Types.ObjectId, worker: string) =>
  entryOf((await DeliveryModel.findById(id).lean<LeanDelivery>())!, outcome.sent({ at: new Date(), attempts: 2 }), worker, new Date());

describe('OutcomeWriter', () => {
  it('records what 16 slots hand in at once in two writes, each slot resumes once its outcome is recorded, and one fold puts them in', async () => {
    const docs = await pending(16);
    const unwritten: string[] = [];
    const writer = writerOf(docs, { unwritten: (keys) => unwritten.push(...keys) });
    const recorded: number[] = [];
    await Promise.all(
      docs.map(async (d, i) => {
        await writer.write([byId(d._id, outcome.sent({ at: new Date(), attempts: 1 }))], [`k${i}`]);
        // The slot goes on: its own outcome is in the journal by now.
        recorded.push(await OutcomeModel.countDocuments({ delivery: d._id }));
      }),
    );
    await writer.settled();
    expect(recorded).toEqual(Array(16).fill(1));
    expect(unwritten).toEqual([]);
    // The first write carries the first slot's outcome; the rest were queued meanwhile and went together.
    expect(writer.stats).toEqual({ flushes: 2, outcomes: 16, folds: 0 });
    // Until the fold, the deliveries' own documents are as they were claimed.
    expect(await DeliveryModel.countDocuments({ status: 'pending' })).toBe(16);

    expect(await writer.fold()).toBe(true);
    const after = await DeliveryModel.find({}).lean();
    expect(after.map((d) => [d.status, d.attempts, d.folds])).toEqual(Array(16).fill(['sent', 1, 1]));
    // Nothing else of the document changed.
    expect(after.find((d) => String(d._id) === String(docs[3]!._id))).toMatchObject({
      address: docs[3]!.address,
      change: docs[3]!.change,
      createdAt: docs[3]!.createdAt,
    });
    expect(await OutcomeModel.countDocuments({})).toBe(0);
  });

  it('a batch that sends for long folds on the way (here: after every write), and its end folds the rest', async () => {
    const docs = await pending(3);
    const writer = writerOf(docs, { foldEveryMs: 0 });
    for (const d of docs) await writer.write([byId(d._id, outcome.sent({ at: new Date(), attempts: 1 }))], [String(d._id)]);
    // Before the batch's end: the first outcome is in its delivery's document already.
    await until(async () => (await status(docs[0]!._id)) === 'sent', 10_000, 'the first outcome to be folded during the batch');
    expect(await writer.fold()).toBe(true);
    expect(await DeliveryModel.countDocuments({ status: 'sent', folds: 1 })).toBe(3);
    expect(await OutcomeModel.countDocuments({})).toBe(0);
  });

  it('keeps at most `inFlight` writes running', async () => {
    const docs = await pending(12);
    const writer = writerOf(docs, { inFlight: 3 });
    await Promise.all(docs.map((d, i) => writer.write([byId(d._id, outcome.skipped('test'))], [`k${i}`])));
    // Handed in at once: three writes start with one outcome each, the other nine wait and go together.
    expect(writer.stats.flushes).toBe(4);
    expect(await writer.fold()).toBe(true);
    expect(await DeliveryModel.countDocuments({ status: 'skipped' })).toBe(12);
  });
});

describe('the outcome journal after a crash', () => {
  it('a dead worker’s recorded outcomes are folded by the next claim of their deliveries, which sends only the rest', async () => {
    const docs = await pending(3);
    const [sent, retried] = docs;
    // The dead worker recorded two outcomes and never folded them; its claims are gone (pruned or lapsed).
    await record([
      entryOf(sent!, outcome.sent({ at: new Date(), attempts: 1 }), 'dead', new Date()),
      retry(retried!, 'dead', new Date(Date.now() + 60_000)),
    ]);
    const claimed = await claimDue({ owner: 'next', limit: 10, dueBy: new Date(), now: new Date(), leaseMs: 30_000 });
    if (claimed === 'none') throw new Error('nothing claimed');
    expect(claimed.winners.map((d) => String(d._id))).toEqual([String(docs[2]!._id)]);
    expect(await status(sent!._id)).toBe('sent');
    expect(await DeliveryModel.findById(retried!._id).lean()).toMatchObject({ status: 'pending', heldFor: 'retry', attempts: 1 });
    expect(await OutcomeModel.countDocuments({})).toBe(0);
  });

  it('an entry left over from an earlier outcome is dropped, never applied over a newer state', async () => {
    const [d] = await pending(1);
    const first = retry(d!, 'w1');
    await record([first]);
    await fold([first]);
    const second = await sentNow(d!._id, 'w2');
    await record([second]);
    await fold([second]);
    // The first entry's delete was lost (a cut connection): it is still in the journal.
    await record([first]);
    expect(await recoverOutcomes({ before: new Date(Date.now() + 1_000) })).toEqual(new Set());
    expect(await DeliveryModel.findById(d!._id).lean()).toMatchObject({ status: 'sent', attempts: 2, folds: 2 });
    expect(await OutcomeModel.countDocuments({})).toBe(0);
  });

  it('a late fold (its worker stalled past its lease) never writes over a newer outcome', async () => {
    const [d] = await pending(1);
    // The stalled worker's outcome: a retry.
    const late = retry(d!, 'w1');
    await record([late]);
    // Meanwhile the next worker folded it and sent the delivery again, successfully.
    await recoverOutcomes({ deliveries: [d!._id] });
    const second = await sentNow(d!._id, 'w2');
    await record([second]);
    await fold([second]);
    // The stalled worker wakes and folds its batch.
    await fold([late]);
    expect(await DeliveryModel.findById(d!._id).lean()).toMatchObject({ status: 'sent', attempts: 2, folds: 2 });
  });

  it('a fold cut between its delete and its insert is completed from the journal by housekeeping', async () => {
    const [d] = await pending(1);
    const e = entryOf(d!, outcome.sent({ at: new Date(), attempts: 1 }), 'dead', new Date());
    await record([e]);
    await DeliveryModel.deleteOne({ _id: d!._id });
    expect(await recoverOutcomes({ before: new Date(Date.now() + 1_000) })).toEqual(new Set([String(d!._id)]));
    expect(await status(d!._id)).toBe('sent');
  });

  it('two folds of the same entries at once write the same documents', async () => {
    const docs = await pending(5);
    const entries = docs.map((d) => entryOf(d, outcome.sent({ at: new Date(), attempts: 1 }), 'w1', new Date()));
    await record(entries);
    await Promise.all([fold(entries), fold(entries), recoverOutcomes({ deliveries: docs.map((d) => d._id) })]);
    expect(await DeliveryModel.countDocuments({ status: 'sent', folds: 1 })).toBe(5);
    expect(await OutcomeModel.countDocuments({})).toBe(0);
  });
});

describe('what the journal holds, before the fold', () => {
  it('a reply to a Telegram notification whose batch is still sending finds its task', async () => {
    const [d] = await pending(1);
    await DeliveryModel.updateOne({ _id: d!._id }, { $set: { channel: 'telegram', address: '42', taskNumber: 7 } });
    const claimed = (await DeliveryModel.findById(d!._id).lean<LeanDelivery>())!;
    await record([entryOf(claimed, outcome.sent({ at: new Date(), attempts: 1, providerMessageId: '9001' }), 'w1', new Date())]);
    expect(await tasksOfNotification(claimed.person, 9001)).toEqual([7]);
    // Someone else's message id, or another person: nothing.
    expect(await tasksOfNotification(claimed.person, 9002)).toEqual([]);
    expect(await tasksOfNotification(new Types.ObjectId(), 9001)).toEqual([]);
  });
});
