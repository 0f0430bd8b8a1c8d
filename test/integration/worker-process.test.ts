/**
 * The worker as a real process (`node dist/src/main.js --role=worker`, built by `npm test`): /send requests
 * reach it through the database, Bree runs the dispatch in a worker thread, and a worker killed with
 * SIGKILL mid-run loses nothing: its leases run out and the next worker takes the deliveries over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Types } from 'mongoose';
import { DeliveryModel, ObserverModel, PersonModel } from '../../src/db/models/index.js';
import { planPendingChanges } from '../../src/delivery/planning.js';
import { requestRun, waitForRun } from '../../src/delivery/runs.js';
import { useTestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';
import { guardedEnv } from '../support/guard-env.js';
import { edit, makePerson, makeTask, startWorld, type World } from '../support/world.js';

const db = useTestDatabase();
let world: World;
const children: ChildProcess[] = [];

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await world.close();
});

function startWorker(env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [path.resolve('dist/src/main.js'), '--role=worker'], {
    env: {
      PATH: process.env.PATH,
      ...guardedEnv(),
      MONGODB_URI: db.uri,
      SECRET_KEY: world.config.SECRET_KEY,
      // The world's doubles, explicitly: the child sees nothing of jest's process.env.
      SMSRU_BASE_URL: world.config.SMSRU_BASE_URL,
      TELEGRAM_API_ROOT: world.config.TELEGRAM_API_ROOT,
      BOT_TOKEN: world.config.BOT_TOKEN!,
      LOG_LEVEL: 'warn',
      HTTP_PORT: '0',
      RUN_POLL_MS: '100',
      LEASE_MS: '3000',
      RETRY_BASE_MS: '10',
      RETRY_MAX_MS: '50',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

it('answers /send from another process with the result of the run, and stops cleanly on SIGTERM', async () => {
  const author = await makePerson({ name: 'Anna' });
  const b = await makePerson({ name: 'Boris', email: 'boris@example.org' });
  const n = await makeTask(author, 'Across processes', [[b, ['email']]]);
  await edit(n, author, 'status', 'done');
  const worker = startWorker();

  const id = await requestRun({ trigger: 'send' });
  const result = await waitForRun(id, { timeoutMs: 30_000 });

  expect(result.sent.email).toBe(1);
  expect(world.sink.messages.filter((m) => m.to.includes('boris@example.org'))).toHaveLength(1);
  worker.kill('SIGTERM');
  expect(await exited(worker)).toEqual({ code: 0, signal: null });
});

it('delivers every one of 1,000 due deliveries after a worker is killed with SIGKILL mid-run', async () => {
  world.sink.reset();
  const author = await makePerson({ name: 'Killer' });
  const task = await makeTask(author, 'Crash test');
  const people = Array.from({ length: 1000 }, (_, i) => ({
    _id: new Types.ObjectId(),
    telegramId: 500_000 + i,
    name: `Person ${i}`,
    email: `p${i}@example.org`,
    timezone: 'Europe/Moscow',
    language: 'ru',
    role: 'member',
    participantChannels: ['email'],
  }));
  await PersonModel.insertMany(people);
  const { TaskModel } = await import('../../src/db/models/index.js');
  const taskDoc = (await TaskModel.findOne({ number: task }).lean())!;
  await ObserverModel.insertMany(
    people.map((p) => ({ task: taskDoc._id, taskNumber: task, person: p._id, channels: ['email'], addedBy: p._id })),
  );
  await edit(task, author, 'status', 'in_progress');
  expect(await planPendingChanges()).toBe(1000);

  // Slow enough to be caught mid-run: two messages at a time, claims of 50.
  const slow = { DISPATCH_CONCURRENCY: '2', DISPATCH_BATCH: '50' };
  const first = startWorker(slow);
  await requestRun({ trigger: 'send' });
  await until(() => world.sink.count >= 100, 120_000, 'the first worker to send 100 letters');
  first.kill('SIGKILL');
  expect((await exited(first)).signal).toBe('SIGKILL');
  const sentBeforeKill = await DeliveryModel.countDocuments({ status: 'sent', taskNumber: task });
  expect(sentBeforeKill).toBeLessThan(1000);

  const second = startWorker(slow);
  await requestRun({ trigger: 'send' });
  await until(
    async () => (await DeliveryModel.countDocuments({ status: 'sent', taskNumber: task })) === 1000,
    170_000,
    'all 1000 deliveries to be sent',
    500, // a count over the whole collection costs FerretDB time the workers need
  );
  // Leases of the killed worker ran out: a later run picks those up too.
  second.kill('SIGTERM');
  expect((await exited(second)).code).toBe(0);

  const ids = world.sink.messages.map((m) => m.messageId);
  const distinct = new Set(ids);
  const recipients = new Set(world.sink.messages.flatMap((m) => m.to));
  expect(recipients.size).toBe(1000);
  expect(distinct.size).toBe(1000);
  // A letter the server accepted just before the kill, not yet recorded as sent, is sent again after the lease
  // runs out — with the same Message-ID, so it can be recognised. That window is at most the claimed batch.
  const duplicates = ids.length - distinct.size;
  expect(duplicates).toBeLessThanOrEqual(50);
  const sent = await DeliveryModel.find({ status: 'sent', taskNumber: task }).select({ messageId: 1 }).lean();
  expect(new Set(sent.map((d) => `<${d.messageId}>`))).toEqual(distinct);
}, 300_000);
