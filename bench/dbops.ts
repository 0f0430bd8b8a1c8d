/**
 * Where the time of a batch goes: the bare database operations a dispatch batch is made of, timed one
 * by one on a backlog of `backlog` pending deliveries, with nothing sent. Each write shape is timed on a
 * fresh slice of `batch` pending deliveries, spread over the collection (not only its first documents).
 * Update commands are sent in bulkWrites of at most 50 statements: FerretDB 1.24 never answers an update
 * command of 100 updateOne statements and leaves the database wedged (see docs/benchmarks.md).
 */
import { Types } from 'mongoose';
import { ChangeModel, DeliveryModel, PersonModel, TaskModel } from '../src/db/models/index.js';
import { claimKeys } from '../src/db/claims.js';
import type { BenchEnv } from './env.js';
import { openPhase } from './env.js';
import { seedWorkload } from './seed.js';

export interface DbOpsResult {
  backlog: number;
  batch: number;
  /** ms per operation for one batch. */
  ops: Record<string, number>;
}

const CHUNK = 50;

async function timed<T>(into: Record<string, number>, name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  into[name] = performance.now() - t0;
  return r;
}

/**
 * The writes below set the lease fields a delivery once carried (`leaseOwner`, `leaseUntil`), as a claim by
 * update would: not in the schema any more, so they are written with `strict: false`.
 */
const LOOSE = { strict: false } as const;

async function chunked(ops: unknown[], ordered = false): Promise<void> {
  for (let i = 0; i < ops.length; i += CHUNK) await DeliveryModel.bulkWrite(ops.slice(i, i + CHUNK) as never, { ordered, ...LOOSE });
}

export async function measureDbOps(env: BenchEnv, phase: string, backlog: number, batch: number): Promise<DbOpsResult> {
  const db = await openPhase(env, phase);
  try {
    const observers = 5;
    await seedWorkload({ tasks: Math.ceil(backlog / 2 / observers), observers, channels: ['email', 'sms'], planned: true });
    const ops: Record<string, number> = {};
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + 60_000);
    const due = {
      $or: [
        { status: 'pending', nextAttemptAt: { $lte: now } },
        { status: 'sending', leaseUntil: { $lt: now } },
      ],
    };

    const all = (await DeliveryModel.find({}).select({ _id: 1 }).lean()).map((d) => d._id);
    const b = Math.min(batch, Math.floor(all.length / 5));
    // Five disjoint slices, each spread over the whole collection (every 5th document).
    const slice = (k: number) => all.filter((_, i) => i % 5 === k).slice(0, b);

    const candidates = await timed(ops, `find due, sort, limit ${batch} (whole documents)`, () =>
      DeliveryModel.find(due as never)
        .sort({ nextAttemptAt: 1 })
        .limit(batch)
        .lean(),
    );
    await timed(ops, `claims: insertMany of ${candidates.length}`, () =>
      claimKeys(
        candidates.map((c) => `${String(c._id)}:0`),
        'bench:ops',
        now,
      ),
    );
    await timed(ops, 'context: changes, tasks, people find {_id: {$in}}', async () => {
      const oids = (v: unknown[]) => [...new Set(v.map(String))].map((i) => new Types.ObjectId(i));
      const changes = await ChangeModel.find({ _id: { $in: oids(candidates.map((d) => d.change)) } }).lean();
      await Promise.all([
        TaskModel.find({ _id: { $in: oids(candidates.map((d) => d.task)) } }).lean(),
        PersonModel.find({ _id: { $in: oids([...candidates.map((d) => d.person), ...changes.map((c) => c.actor)]) } }).lean(),
      ]);
    });

    const set = { $set: { status: 'sending', leaseOwner: 'bench:ops', leaseUntil } };
    await timed(ops, `${b} × updateOne {_id}`, () => chunked(slice(0).map((_id) => ({ updateOne: { filter: { _id }, update: set } }))));
    await timed(ops, `${b} × updateOne {_id, claimSeq}`, () =>
      chunked(slice(1).map((_id) => ({ updateOne: { filter: { _id, claimSeq: { $exists: false } } as never, update: set } }))),
    );
    await timed(ops, `${b} × updateMany {_id: {$in: [id]}, leaseOwner, status}`, () =>
      chunked(
        slice(2).map((_id) => ({
          updateMany: { filter: { _id: { $in: [_id] }, leaseOwner: { $exists: false }, status: 'pending' }, update: set },
        })),
      ),
    );
    await timed(ops, `1 × updateMany {_id: {$in: ${b} ids}}`, () => DeliveryModel.updateMany({ _id: { $in: slice(3) } }, set, LOOSE));
    // The engine's outcome writes (src/delivery/journal.ts): the journal's inserts — the one write shape whose
    // cost does not grow with the collection on FerretDB —, then the batch's fold: its documents deleted and
    // inserted again, and the journal's entries deleted.
    const folded = await DeliveryModel.collection.find({ _id: { $in: slice(4) } }).toArray();
    const journal = DeliveryModel.db.collection('bench_outcomes');
    await timed(ops, `journal: 1 × insertMany of ${b} outcome entries`, () =>
      journal.insertMany(folded.map((doc) => ({ delivery: doc._id, base: 0, owner: 'bench', at: now, doc }))).then(() => undefined),
    );
    await timed(ops, `fold: 1 × deleteMany {_id: {$in: ${b} ids}} + 1 × insertMany of ${b} + journal deleteMany`, async () => {
      await DeliveryModel.collection.deleteMany({ _id: { $in: folded.map((d) => d._id) } });
      await DeliveryModel.collection.insertMany(folded.map((d) => ({ ...d, status: 'sent', folds: 1 })));
      await journal.deleteMany({});
    });
    const last = all[all.length - 1]!;
    await timed(ops, '1 × findOne {_id} (the last document)', () => DeliveryModel.findOne({ _id: last }).lean());
    await timed(ops, '1 × updateOne {_id} (the last document)', () => DeliveryModel.updateOne({ _id: last }, set, LOOSE));
    return { backlog, batch: b, ops };
  } finally {
    await db.close();
  }
}
