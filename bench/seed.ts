/**
 * Bulk set-up (not measured): the documents the services would write — people, tasks, observers, one
 * change per task — inserted directly. `planned: true` also writes the deliveries planning would write,
 * so that a backlog of 100k pending deliveries takes seconds to set up, not minutes.
 */
import { Types } from 'mongoose';
import { ChangeModel, CounterModel, DeliveryModel, ObserverModel, PersonModel, TaskModel } from '../src/db/models/index.js';
import type { Channel } from '../src/domain/types.js';

type Doc = Record<string, unknown>;

export interface WorkloadSpec {
  /** Tasks, one change each. */
  tasks: number;
  /** Observers per task, each a person of their own with an e-mail address and a phone. */
  observers: number;
  /** Channels every observer watches on. */
  channels: Channel[];
  /** Number of the first task (tasks of one database must not collide). @defaultValue 1 */
  firstNumber?: number;
  /** Also write the pending deliveries and mark the changes planned. */
  planned?: boolean;
}

export interface Seeded {
  changeIds: Types.ObjectId[];
  /** Deliveries the workload makes (written when `planned`, else what planning will write). */
  deliveries: number;
}

let telegramIds = 5_000_000;

async function insertChunked(
  collection: { insertMany(docs: Doc[], opts: { ordered: boolean }): Promise<unknown> },
  docs: Doc[],
  chunk = 2_000,
) {
  for (let i = 0; i < docs.length; i += chunk) await collection.insertMany(docs.slice(i, i + chunk), { ordered: false });
}

export async function seedWorkload(spec: WorkloadSpec): Promise<Seeded> {
  const now = new Date();
  const first = spec.firstNumber ?? 1;
  const stamp = { createdAt: now, updatedAt: now };
  const person = (name: string, i: number): Doc => ({
    _id: new Types.ObjectId(),
    telegramId: telegramIds++,
    name,
    username: `u${telegramIds}`,
    role: 'member',
    email: `p${telegramIds}@example.org`,
    phone: `+7912${String(telegramIds % 10_000_000).padStart(7, '0')}`,
    timezone: 'Europe/Moscow',
    language: i % 2 ? 'en' : 'ru',
    quietEmail: false,
    participantChannels: ['email'],
    notifySelf: false,
    ...stamp,
  });
  const author = person('Author', 0);
  const people: Doc[] = [author];
  const tasks: Doc[] = [];
  const observers: Doc[] = [];
  const changes: Doc[] = [];
  const deliveries: Doc[] = [];
  for (let t = 0; t < spec.tasks; t++) {
    const number = first + t;
    const task: Doc = {
      _id: new Types.ObjectId(),
      number,
      title: `Benchmark task ${number}: replace the pump in building ${t % 40}`,
      description: 'The pump in the basement is loud and leaks; order a new one and book the plumber.',
      status: 'in_progress',
      priority: 'high',
      author: author._id,
      revision: 1,
      ...stamp,
    };
    tasks.push(task);
    const change: Doc = {
      _id: new Types.ObjectId(),
      task: task._id,
      taskNumber: number,
      revision: 1,
      actor: author._id,
      at: now,
      fields: [{ field: 'status', from: 'new', to: 'in_progress' }],
      ...(spec.planned ? { plannedAt: now } : {}),
    };
    changes.push(change);
    for (let o = 0; o < spec.observers; o++) {
      const p = person(`Observer ${number}.${o}`, o);
      people.push(p);
      observers.push({
        _id: new Types.ObjectId(),
        task: task._id,
        taskNumber: number,
        person: p._id,
        channels: spec.channels,
        addedBy: p._id,
        ...stamp,
      });
      if (!spec.planned) continue;
      for (const channel of spec.channels) {
        deliveries.push({
          _id: new Types.ObjectId(),
          change: change._id,
          task: task._id,
          taskNumber: number,
          person: p._id,
          channel,
          address: channel === 'email' ? p.email : channel === 'sms' ? p.phone : String(p.telegramId),
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          ...stamp,
        });
      }
    }
  }
  await insertChunked(PersonModel.collection, people);
  await insertChunked(TaskModel.collection, tasks);
  await insertChunked(ObserverModel.collection, observers);
  await insertChunked(ChangeModel.collection, changes);
  await insertChunked(DeliveryModel.collection, deliveries);
  await CounterModel.updateOne({ _id: 'task' }, { $max: { seq: first + spec.tasks - 1 } }, { upsert: true });
  return { changeIds: changes.map((c) => c._id as Types.ObjectId), deliveries: spec.tasks * spec.observers * spec.channels.length };
}

/** Earliest and latest `sentAt`, and how many are sent, of the deliveries (of these changes). */
export async function sentSpan(changeIds?: Types.ObjectId[]): Promise<{ sent: number; first?: Date; last?: Date; notSent: number }> {
  const scope = changeIds ? { change: { $in: changeIds } } : {};
  const [sent, notSent, first, last] = await Promise.all([
    DeliveryModel.countDocuments({ ...scope, status: 'sent' }),
    DeliveryModel.countDocuments({ ...scope, status: { $ne: 'sent' } }),
    DeliveryModel.findOne({ ...scope, status: 'sent' })
      .sort({ sentAt: 1 })
      .select({ sentAt: 1 })
      .lean(),
    DeliveryModel.findOne({ ...scope, status: 'sent' })
      .sort({ sentAt: -1 })
      .select({ sentAt: 1 })
      .lean(),
  ]);
  return { sent, notSent, first: first?.sentAt ?? undefined, last: last?.sentAt ?? undefined };
}
