/**
 * The hand-off from a run's planning to its first batch (src/delivery/handoff.ts) against the real
 * database: the groups are claimed before their deliveries exist, and the batch is handed over only when it
 * is all there is to send; anything else due, a group someone else holds, a delivery planned already, a
 * page larger than a batch: the run claims the usual way, and nothing is left claimed for nothing.
 */
import { Types } from 'mongoose';
import { ClaimModel, DeliveryModel } from '../../src/db/models/index.js';
import { HandOff } from '../../src/delivery/handoff.js';
import { newDelivery, type NewDelivery } from '../../src/delivery/new-delivery.js';
import type { BatchContext } from '../../src/delivery/compose.js';
import { insertLeasedClaims } from '../../src/db/leased-claims.js';
import { clearDatabase, useTestDatabase } from '../support/db.js';

useTestDatabase();
beforeEach(() => clearDatabase());

const OWNER = 'w1:run1';
const ctx: BatchContext = { changeById: new Map(), taskById: new Map(), personById: new Map() };
const people = [new Types.ObjectId(), new Types.ObjectId()];

/** Two changes of task 7 for each person, on e-mail and SMS: 8 deliveries in 4 groups, due now. */
function planned(taskNumber = 7, at = new Date(Date.now() - 1_000)): NewDelivery[] {
  const task = new Types.ObjectId();
  const changes = [new Types.ObjectId(), new Types.ObjectId()];
  return changes.flatMap((change) =>
    people.flatMap((person) =>
      (['email', 'sms'] as const).map((channel) =>
        newDelivery({ change, task, taskNumber, person, channel, address: `${String(person)}-${channel}`, nextAttemptAt: at }, new Date()),
      ),
    ),
  );
}

function handOff(opts: { taskNumber?: number; limit?: number } = {}): HandOff {
  const h = new HandOff({ owner: OWNER, leaseMs: 30_000, taskNumber: opts.taskNumber, limit: opts.limit ?? 1000, clock: () => new Date() });
  h.start();
  return h;
}

const claimsOf = async (owner: string) => (await ClaimModel.find({ owner }).lean()).map((c) => c._id).sort();

it('claims the groups, then writes the deliveries, and hands them all over as the whole of what is due', async () => {
  const docs = planned();
  const h = handOff();
  expect(await h.insert(docs, ctx)).toBe(8);

  const batch = h.take();
  expect(batch?.complete).toBe(true);
  expect(batch?.winners.map((d) => String(d._id)).sort()).toEqual(docs.map((d) => String(d._id)).sort());
  expect(batch?.ctx).toBe(ctx);
  // One claim per person and channel, listing that group's two deliveries, held by the run.
  const claims = await ClaimModel.find({ owner: OWNER }).lean();
  expect(claims).toHaveLength(4);
  for (const c of claims) expect(c.items).toHaveLength(2);
  expect(await DeliveryModel.countDocuments({ status: 'pending' })).toBe(8);
  // Taken once.
  expect(h.take()).toBeUndefined();
});

it('hands nothing over when something else was due already, and claims nothing', async () => {
  await DeliveryModel.collection.insertOne(planned(9)[0]!);
  const h = handOff();
  expect(await h.insert(planned(), ctx)).toBe(8);
  expect(h.take()).toBeUndefined();
  expect(await claimsOf(OWNER)).toEqual([]);
  expect(await DeliveryModel.countDocuments()).toBe(9);
});

it('looks only at the run’s scope: a /send of one task hands over its deliveries whatever else waits', async () => {
  await DeliveryModel.collection.insertOne(planned(9)[0]!);
  const h = handOff({ taskNumber: 7 });
  const docs = [...planned(7), ...planned(8)];
  expect(await h.insert(docs, ctx)).toBe(16);
  const batch = h.take();
  expect(batch?.complete).toBe(true);
  expect(new Set(batch?.winners.map((d) => d.taskNumber))).toEqual(new Set([7]));
  expect(batch?.winners).toHaveLength(8);
});

it('leaves out a group someone else holds, and says the batch is not all that is due', async () => {
  const docs = planned();
  const held = `group:${String(people[0])}:email`;
  await insertLeasedClaims([{ key: held, items: [] }], 'w2:other', new Date(), new Date(Date.now() + 30_000));
  const h = handOff();
  await h.insert(docs, ctx);
  const batch = h.take();
  expect(batch?.complete).toBe(false);
  expect(batch?.winners).toHaveLength(6);
  expect(batch?.groups).not.toContain(held);
  // Written all the same: the usual claim of the run (or of the holder) takes the two left out.
  expect(await DeliveryModel.countDocuments({ status: 'pending' })).toBe(8);
});

it('gives its claims back when a delivery was planned already (another worker, at once)', async () => {
  const docs = planned();
  // The same change, person and channel, under another id: the unique key refuses ours.
  await DeliveryModel.collection.insertOne({ ...docs[0]!, _id: new Types.ObjectId(), nextAttemptAt: new Date(Date.now() + 3_600_000) });
  const h = handOff();
  expect(await h.insert(docs, ctx)).toBe(7);
  expect(h.take()).toBeUndefined();
  expect(await claimsOf(OWNER)).toEqual([]);
  expect(await DeliveryModel.countDocuments()).toBe(8);
});

it('hands nothing over when the page is larger than a batch, or nothing of it is due yet', async () => {
  const big = handOff({ limit: 7 });
  expect(await big.insert(planned(), ctx)).toBe(8);
  expect(big.take()).toBeUndefined();

  await clearDatabase();
  const later = handOff();
  expect(await later.insert(planned(7, new Date(Date.now() + 60_000)), ctx)).toBe(8);
  expect(later.take()).toBeUndefined();
  expect(await claimsOf(OWNER)).toEqual([]);
});
