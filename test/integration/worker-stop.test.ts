/**
 * Graceful stop of a real worker process: SIGTERM in the middle of a run against a slow SMTP server ends the
 * process within 10 s; the letters in hand are finished and recorded, the rest is given back at once, so a
 * second worker sends it without waiting for any lease to run out, and nobody gets a letter twice.
 */
import type { ChildProcess } from 'node:child_process';
import { DeliveryModel } from '../../src/db/models/index.js';
import { planPendingChanges } from '../../src/delivery/planning.js';
import { requestRun } from '../../src/delivery/runs.js';
import { useTestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';
import { exited, useWorkerProcesses } from '../support/worker-processes.js';
import { addEmailWatchers, edit, makePerson, makeTask, startWorld, type World } from '../support/world.js';

const db = useTestDatabase();
let world: World;
const workers = useWorkerProcesses(db, () => world);
const PEOPLE = 60;

beforeAll(async () => {
  // A slow server: 500 ms a letter, two at a time: a claimed batch of 50 takes 12.5 s, longer than a stop may.
  world = await startWorld({ smtp: { delayMs: 500 } });
});
afterAll(async () => {
  await world.close();
});

function startWorker(log?: string[]): ChildProcess {
  // Leases far longer than the test: only a give-back lets the second worker take anything over.
  return workers.start({ LEASE_MS: '600000', DISPATCH_CONCURRENCY: '2', DISPATCH_BATCH: '50' }, log ? { log } : {});
}

it('SIGTERM mid-run: the run stops within its grace, gives back what it had not sent, and a second worker sends it at once', async () => {
  const author = await makePerson({ name: 'Stopper' });
  const task = await makeTask(author, 'Stop test');
  await addEmailWatchers(task, PEOPLE, { firstId: 700_000, prefix: 's' });
  await edit(task, author, 'status', 'in_progress');
  expect(await planPendingChanges()).toBe(PEOPLE);

  const log: string[] = [];
  const first = startWorker(log);
  await requestRun({ trigger: 'send' });
  await until(() => world.sink.count >= 4, 60_000, 'the first worker to send 4 letters');
  first.kill('SIGTERM');
  expect(await exited(first)).toEqual({ code: 0, signal: null });
  // The run stopped by itself within the grace (10 s): the worker did not have to end its thread. Read from
  // its log, not from a clock, so a slow machine does not fail it.
  expect(log.filter((l) => l.includes('did not stop in time'))).toEqual([]);

  // Nothing is left leased to the stopped worker: each delivery is sent (and recorded) or pending again.
  const byStatus = async (status: 'pending' | 'sent') => DeliveryModel.countDocuments({ taskNumber: task, status });
  const sentByFirst = await byStatus('sent');
  expect(sentByFirst).toBe(world.sink.count);
  expect(await byStatus('pending')).toBe(PEOPLE - sentByFirst);
  expect(sentByFirst).toBeLessThan(PEOPLE);

  const second = startWorker();
  await requestRun({ trigger: 'send' });
  await until(async () => (await byStatus('sent')) === PEOPLE, 60_000, 'the second worker to send the rest', 200);
  second.kill('SIGTERM');
  expect((await exited(second)).code).toBe(0);

  const recipients = world.sink.messages.flatMap((m) => m.to);
  expect(recipients).toHaveLength(PEOPLE);
  expect(new Set(recipients).size).toBe(PEOPLE);
}, 180_000);
