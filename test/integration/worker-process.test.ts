/**
 * The worker as a real process (`node dist/src/main.js --role=worker`, built by `npm test`): /send requests
 * reach it through the database, Bree runs the dispatch in a worker thread, and a worker killed with
 * SIGKILL mid-run loses nothing: its claims' leases run out and the next worker takes the deliveries over.
 */
import type { ChildProcess } from 'node:child_process';
import { DeliveryModel, RunModel } from '../../src/db/models/index.js';
import { planPendingChanges } from '../../src/delivery/planning.js';
import { requestRun, waitForRun } from '../../src/delivery/runs.js';
import { useTestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';
import { exited, useWorkerProcesses } from '../support/worker-processes.js';
import { addEmailWatchers, edit, makePerson, makeTask, startWorld, type World } from '../support/world.js';

const db = useTestDatabase();
let world: World;
const workers = useWorkerProcesses(db, () => world);

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

function startWorker(env: Record<string, string> = {}): ChildProcess {
  return workers.start({ LEASE_MS: '3000', RETRY_BASE_MS: '10', RETRY_MAX_MS: '50', ...env });
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

it('sends each person one digest per channel when two worker processes carry out runs at the same time', async () => {
  world.sink.reset();
  const author = await makePerson({ name: 'Lead' });
  const people = [];
  for (let i = 0; i < 6; i++) people.push(await makePerson({ name: `Racer ${i}`, email: `racer${i}@example.org` }));
  const titles = ['Red', 'Green', 'Blue'];
  for (const title of titles) {
    const n = await makeTask(
      author,
      `Race ${title}`,
      people.map((p) => [p, ['email', 'telegram']] as [typeof p, ['email', 'telegram']]),
    );
    await edit(n, author, 'status', 'review');
  }
  // Claims of two deliveries, one message at a time: each person's six deliveries span several claims.
  const small = { DISPATCH_BATCH: '2', DISPATCH_CONCURRENCY: '1' };
  const workers = [startWorker(small), startWorker(small)];

  // The mail server holds its answers, so whichever worker takes the first run is still sending when the
  // second run is requested: the other worker takes that one, and both share the same due deliveries.
  world.sink.hold();
  const first = await requestRun({ trigger: 'send' });
  await until(() => world.sink.waiting >= 1, 30_000, 'the first worker to be sending');
  const second = await requestRun({ trigger: 'send' });
  await until(() => world.sink.waiting >= 2, 30_000, 'the second worker to be sending too');
  world.sink.release();
  const results = [await waitForRun(first, { timeoutMs: 60_000 }), await waitForRun(second, { timeoutMs: 60_000 })];

  const runs = await RunModel.find({ _id: { $in: [first, second] } }).lean();
  expect(new Set(runs.map((r) => r.worker?.split(':')[1])).size).toBe(2); // two processes (pids)
  for (const r of results) expect(r.sent.email).toBeGreaterThan(0);
  expect(results[0]!.sent.email + results[1]!.sent.email).toBe(people.length);
  expect(results[0]!.sent.telegram + results[1]!.sent.telegram).toBe(people.length);
  for (const p of people) {
    const letters = world.sink.messages.filter((m) => m.to.includes(p.email!));
    expect(letters).toHaveLength(1);
    for (const title of titles) expect(letters[0]!.text).toContain(`Race ${title}`);
    const chats = world.telegramTo(p.telegramId);
    expect(chats).toHaveLength(1);
    for (const title of titles) expect(chats[0]!.text).toContain(`Race ${title}`);
  }
  expect(await DeliveryModel.countDocuments({ status: { $ne: 'sent' } })).toBe(0);
  for (const w of workers) w.kill('SIGTERM');
  for (const w of workers) expect((await exited(w)).code).toBe(0);
}, 120_000);

it('delivers every one of 1,000 due deliveries after a worker is killed with SIGKILL mid-run', async () => {
  world.sink.reset();
  const author = await makePerson({ name: 'Killer' });
  const task = await makeTask(author, 'Crash test');
  await addEmailWatchers(task, 1000, { firstId: 500_000, prefix: 'p' });
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
  // The killed worker's claims ran out: the second worker's follow-up run took them over.
  second.kill('SIGTERM');
  expect((await exited(second)).code).toBe(0);

  const ids = world.sink.messages.map((m) => m.messageId);
  const distinct = new Set(ids);
  const recipients = new Set(world.sink.messages.flatMap((m) => m.to));
  expect(recipients.size).toBe(1000);
  expect(distinct.size).toBe(1000);
  // A letter the server accepted just before the kill, not yet recorded as sent, is sent again after the lease
  // runs out — with the same Message-ID, so it can be recognised. Each message's outcome is written before
  // its pool slot sends another: at most DISPATCH_CONCURRENCY letters were in that window.
  const duplicates = ids.length - distinct.size;
  expect(duplicates).toBeLessThanOrEqual(2);
  // Every letter's Message-ID is made from the delivery it carries: each sent delivery, once.
  const sent = await DeliveryModel.find({ status: 'sent', taskNumber: task }).select({ _id: 1 }).lean();
  expect(new Set(sent.map((d) => String(d._id)))).toEqual(new Set([...distinct].map((id) => /^<([0-9a-f]{24})@/.exec(id ?? '')?.[1])));
}, 300_000);
