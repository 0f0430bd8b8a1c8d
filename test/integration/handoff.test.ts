/**
 * The hand-off from a run's planning to its first batch (src/delivery/handoff.ts) against the real
 * database: the groups are claimed before their deliveries exist, in parts (the first written before
 * anything is sent, the rest while it is), and a group goes only when its claim is ours and its deliveries
 * are written as planned. Anything else due, a group someone else holds, a delivery planned already, a page
 * larger than a batch: the run claims the usual way, and nothing is left claimed for nothing.
 */
import { Types } from 'mongoose';
import { ClaimModel, DeliveryModel } from '../../src/db/models/index.js';
import { HandOff, type HandedBatch } from '../../src/delivery/handoff.js';
import { groupKey } from '../../src/delivery/claiming.js';
import { newDelivery, type NewDelivery } from '../../src/delivery/new-delivery.js';
import type { BatchContext } from '../../src/delivery/compose.js';
import { insertLeasedClaims } from '../../src/db/leased-claims.js';
import { clearDatabase, useTestDatabase } from '../support/db.js';

useTestDatabase();
beforeEach(() => clearDatabase());

const OWNER = 'w1:run1';
const ctx: BatchContext = { changeById: new Map(), taskById: new Map(), personById: new Map() };

/** Two changes of a task for each of `people`, on e-mail and SMS: 4 deliveries a person, in 2 groups. */
function planned(people: Types.ObjectId[], opts: { taskNumber?: number; at?: Date } = {}): NewDelivery[] {
  const task = new Types.ObjectId();
  const changes = [new Types.ObjectId(), new Types.ObjectId()];
  const at = opts.at ?? new Date(Date.now() - 1_000);
  return changes.flatMap((change) =>
    people.flatMap((person) =>
      (['email', 'sms'] as const).map((channel) =>
        newDelivery(
          { change, task, taskNumber: opts.taskNumber ?? 7, person, channel, address: `${String(person)}-${channel}`, nextAttemptAt: at },
          new Date(),
        ),
      ),
    ),
  );
}
const someone = (n: number) => Array.from({ length: n }, () => new Types.ObjectId());

/** A hand-off whose parts are one person's e-mail and SMS each (two groups). */
function handOff(opts: { taskNumber?: number; limit?: number } = {}): HandOff {
  const h = new HandOff({
    owner: OWNER,
    leaseMs: 30_000,
    taskNumber: opts.taskNumber,
    limit: opts.limit ?? 1000,
    clock: () => new Date(),
    firstGroups: 2,
    partGroups: 2,
  });
  h.start(Promise.resolve());
  return h;
}

const claimsOf = async (owner: string) => (await ClaimModel.find({ owner }).lean()).map((c) => c._id).sort();
/** The deliveries of `batch` that may go, once its later parts are written. */
async function sendable(batch: HandedBatch): Promise<string[]> {
  const ok = await Promise.all(batch.winners.map((d) => batch.ready(groupKey(d))));
  return batch.winners.filter((_, i) => ok[i]).map((d) => String(d._id));
}
const ids = (docs: NewDelivery[]) => docs.map((d) => String(d._id)).sort();

it('claims the groups, then writes the deliveries, part by part, and hands them all over as the whole of what is due', async () => {
  const docs = planned(someone(3));
  const h = handOff();
  // The first part (one person's two groups: 4 deliveries) is written before the batch is handed over.
  expect(await h.insert(docs, ctx)).toBe(4);
  const batch = h.take()!;
  expect(batch.ctx).toBe(ctx);
  expect(ids(batch.winners as NewDelivery[])).toEqual(ids(docs));

  expect(await batch.complete).toBe(true);
  await h.written();
  expect((await sendable(batch)).sort()).toEqual(ids(docs));
  // One claim per person and channel, listing that group's two deliveries, held by the run; all written.
  const claims = await ClaimModel.find({ owner: OWNER }).lean();
  expect(claims).toHaveLength(6);
  for (const c of claims) expect(c.items).toHaveLength(2);
  expect(await DeliveryModel.countDocuments({ status: 'pending' })).toBe(12);
  expect(h.take()).toBeUndefined();
});

it('hands nothing over when something else was due already, and claims nothing', async () => {
  await DeliveryModel.collection.insertOne(planned(someone(1), { taskNumber: 9 })[0]!);
  const h = handOff();
  expect(await h.insert(planned(someone(3)), ctx)).toBe(12);
  expect(h.take()).toBeUndefined();
  await h.written();
  expect(await claimsOf(OWNER)).toEqual([]);
  expect(await DeliveryModel.countDocuments()).toBe(13);
});

it('looks only at the run’s scope: a /send of one task hands over its deliveries whatever else waits', async () => {
  await DeliveryModel.collection.insertOne(planned(someone(1), { taskNumber: 9 })[0]!);
  const h = handOff({ taskNumber: 7 });
  const seven = planned(someone(2), { taskNumber: 7 });
  const eight = planned(someone(2), { taskNumber: 8 });
  await h.insert([...eight, ...seven], ctx);
  const batch = h.take()!;
  expect(await batch.complete).toBe(true);
  expect((await sendable(batch)).sort()).toEqual(ids(seven));
  // Task 8's deliveries are written all the same (after the parts), for a run of their own.
  await h.written();
  expect(await DeliveryModel.countDocuments({ taskNumber: 8 })).toBe(8);
});

it('leaves out a group someone else holds, in either part, and says the batch is not all that is due', async () => {
  const people = someone(3);
  const docs = planned(people);
  const held = [`group:${String(people[0])}:email`, `group:${String(people[2])}:sms`];
  for (const key of held) await insertLeasedClaims([{ key, items: [] }], 'w2:other', new Date(), new Date(Date.now() + 30_000));
  const h = handOff();
  await h.insert(docs, ctx);
  const batch = h.take()!;
  expect(await batch.complete).toBe(false);
  const going = await sendable(batch);
  expect(going).toHaveLength(8);
  expect(docs.filter((d) => going.includes(String(d._id))).some((d) => held.includes(groupKey(d)))).toBe(false);
  // Written all the same: the usual claim of the run (or of the holder) takes the four left out.
  await h.written();
  expect(await DeliveryModel.countDocuments({ status: 'pending' })).toBe(12);
});

it('gives its claims back when a delivery of the first part was planned already (another worker, at once)', async () => {
  const docs = planned(someone(3));
  // The same change, person and channel, under another id: the unique key refuses ours.
  await DeliveryModel.collection.insertOne({ ...docs[0]!, _id: new Types.ObjectId(), nextAttemptAt: new Date(Date.now() + 3_600_000) });
  const h = handOff();
  expect(await h.insert(docs, ctx)).toBe(11);
  expect(h.take()).toBeUndefined();
  await h.written();
  expect(await claimsOf(OWNER)).toEqual([]);
  expect(await DeliveryModel.countDocuments()).toBe(12);
});

it('leaves out a later part in which a delivery was planned already, and sends the others', async () => {
  const people = someone(3);
  const docs = planned(people);
  const last = docs.find((d) => String(d.person) === String(people[2]))!;
  await DeliveryModel.collection.insertOne({ ...last, _id: new Types.ObjectId(), nextAttemptAt: new Date(Date.now() + 3_600_000) });
  const h = handOff();
  await h.insert(docs, ctx);
  const batch = h.take()!;
  expect(await batch.complete).toBe(false);
  const going = docs.filter((d) => String(d.person) !== String(people[2]));
  expect((await sendable(batch)).sort()).toEqual(ids(going));
  // The third part's claims are given back; the others' stay with the run until its batch is done.
  expect(await claimsOf(OWNER)).toEqual([...new Set(going.map(groupKey))].sort());
  // Every delivery is written all the same (the one planned already stays as it was).
  expect(await DeliveryModel.countDocuments()).toBe(12);
});

it('hands nothing over when the page is larger than a batch, or nothing of it is due yet', async () => {
  const big = handOff({ limit: 11 });
  expect(await big.insert(planned(someone(3)), ctx)).toBe(12);
  expect(big.take()).toBeUndefined();

  await clearDatabase();
  const later = handOff();
  expect(await later.insert(planned(someone(3), { at: new Date(Date.now() + 60_000) }), ctx)).toBe(12);
  expect(later.take()).toBeUndefined();
  expect(await claimsOf(OWNER)).toEqual([]);
});

it('gives every claim back when the run fails before it takes the batch, once the rest is written', async () => {
  const docs = planned(someone(3));
  const h = handOff();
  await h.insert(docs, ctx);
  expect((await claimsOf(OWNER)).length).toBeGreaterThan(0);
  await h.abandon();
  expect(await claimsOf(OWNER)).toEqual([]);
  // The deliveries stay, for the next run to claim at once.
  expect(await DeliveryModel.countDocuments({ status: 'pending' })).toBe(12);
  expect(h.take()).toBeUndefined();
});
