/**
 * Group commit of outcomes (src/delivery/outcome-writer.ts) against the real database: what many pool slots
 * hand in while a write is running goes together in the next one, identical updates become one statement,
 * and every slot's promise resolves only once its own outcome is in the database.
 */
import { Types } from 'mongoose';
import { DeliveryModel } from '../../src/db/models/index.js';
import { createLogger } from '../../src/logger.js';
import { OutcomeWriter } from '../../src/delivery/outcome-writer.js';
import { byId, mergeOutcomes, outcome } from '../../src/delivery/outcomes.js';
import { clearDatabase, useTestDatabase } from '../support/db.js';

useTestDatabase();
beforeEach(() => clearDatabase());

async function pending(n: number): Promise<Types.ObjectId[]> {
  const docs = Array.from({ length: n }, (_, i) => ({
    change: new Types.ObjectId(),
    task: new Types.ObjectId(),
    taskNumber: 1,
    person: new Types.ObjectId(),
    channel: 'email' as const,
    address: `p${i}@example.org`,
    nextAttemptAt: new Date(0),
  }));
  return (await DeliveryModel.insertMany(docs)).map((d) => d._id);
}

describe('mergeOutcomes', () => {
  it('makes identical updates one updateMany (sentAt: the latest of them), and leaves different ones apart', () => {
    const [a, b, c] = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()];
    const ops = mergeOutcomes([
      byId(a, outcome.sent({ at: new Date(1000), attempts: 1 })),
      byId(b, outcome.sent({ at: new Date(1003), attempts: 1 })),
      byId(c, outcome.sent({ at: new Date(1001), attempts: 1, providerMessageId: '42' })),
    ]);
    expect(ops).toHaveLength(2);
    expect(ops[0]).toEqual({ updateMany: { filter: { _id: { $in: [a, b] } }, update: outcome.sent({ at: new Date(1003), attempts: 1 }) } });
    expect(ops[1]).toEqual(byId(c, outcome.sent({ at: new Date(1001), attempts: 1, providerMessageId: '42' })));
  });
});

describe('OutcomeWriter', () => {
  it('writes what 16 slots hand in at once in a few writes, and each slot resumes only once its outcome is stored', async () => {
    const ids = await pending(16);
    const unwritten: string[] = [];
    const writer = new OutcomeWriter(createLogger('silent'), 1, (keys) => unwritten.push(...keys));
    const seen: Array<string | undefined> = [];
    await Promise.all(
      ids.map(async (id, i) => {
        await writer.write([byId(id, outcome.sent({ at: new Date(), attempts: 1 }))], [`k${i}`]);
        // The slot goes on: its own delivery is recorded by now.
        seen.push((await DeliveryModel.findById(id).lean())?.status);
      }),
    );
    await writer.settled();
    expect(seen).toEqual(Array(16).fill('sent'));
    expect(unwritten).toEqual([]);
    expect(writer.stats.outcomes).toBe(16);
    // The first write carries the first slot's outcome; the rest were queued meanwhile and went together.
    expect(writer.stats.flushes).toBe(2);
    expect(writer.stats.statements).toBe(2);
  });

  it('keeps at most `inFlight` writes running', async () => {
    const ids = await pending(12);
    const writer = new OutcomeWriter(createLogger('silent'), 3, () => undefined);
    await Promise.all(ids.map((id, i) => writer.write([byId(id, outcome.skipped('test'))], [`k${i}`])));
    // Handed in at once: three writes start with one outcome each, the other nine wait and go together.
    expect(writer.stats.flushes).toBe(4);
    expect(writer.stats.statements).toBe(4);
    expect(await DeliveryModel.countDocuments({ status: 'skipped' })).toBe(12);
  });
});
