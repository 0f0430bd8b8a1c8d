/**
 * kill -9 of a real worker process mid-run, with the default lease: the deliveries it held are taken over
 * by a run one lease after the kill — requested by the other worker's own run, nobody sends /send again —,
 * at most DISPATCH_CONCURRENCY letters arrive twice, and each second copy carries its first copy's
 * Message-ID. Two live workers against an SMTP server slower than the lease send nothing twice.
 */
import { ClaimModel, DeliveryModel } from '../../src/db/models/index.js';
import { planPendingChanges } from '../../src/delivery/planning.js';
import { requestRun, waitForRun } from '../../src/delivery/runs.js';
import { useTestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';
import { exited, useWorkerProcesses } from '../support/worker-processes.js';
import { addEmailWatchers, edit, makePerson, makeTask, useWorld } from '../support/world.js';

const db = useTestDatabase();
const world = useWorld({ smtp: { delayMs: 40 } });
const workers = useWorkerProcesses(db, () => world);
const CONCURRENCY = 4;

/** `count` people watching one new task by e-mail, with one change planned for each. */
async function watchers(count: number, firstId: number): Promise<number> {
  const author = await makePerson({ name: `Author ${firstId}` });
  const task = await makeTask(author, 'Crash test');
  await addEmailWatchers(task, count, { firstId, prefix: 'c' });
  await edit(task, author, 'status', 'in_progress');
  expect(await planPendingChanges()).toBe(count);
  return task;
}

/** Letters beyond the first per recipient, and how many Message-IDs each recipient saw (1: copies are the same message). */
function lettersByRecipient(): { duplicates: number; idsPerRecipient: number[] } {
  const ids = new Map<string, Set<string | undefined>>();
  let duplicates = 0;
  for (const m of world.sink.messages) {
    const to = m.to[0]!;
    if (ids.has(to)) duplicates += 1;
    ids.set(to, (ids.get(to) ?? new Set()).add(m.messageId));
  }
  return { duplicates, idsPerRecipient: [...new Set([...ids.values()].map((s) => s.size))] };
}

it('kill -9 mid-run: taken over within 60 s with the default lease, at most DISPATCH_CONCURRENCY letters twice, each with its first Message-ID', async () => {
  const task = await watchers(150, 800_000);
  const env = { DISPATCH_CONCURRENCY: String(CONCURRENCY) }; // and the default lease
  const first = workers.start(env);
  await requestRun({ trigger: 'send' });
  await until(() => world.sink.count >= 30, 60_000, 'the first worker to send 30 letters');
  first.kill('SIGKILL');
  const killedAt = Date.now();
  expect((await exited(first)).signal).toBe('SIGKILL');

  // One /send to a new worker: it sends what nobody holds, finds the rest under the dead worker's claims,
  // and requests its own follow-up run for when their lease runs out.
  const second = workers.start(env);
  const run = await waitForRun(await requestRun({ trigger: 'send' }), { timeoutMs: 60_000 });
  expect(run).toHaveProperty('othersLeaseEnd');
  const sent = () => DeliveryModel.countDocuments({ status: 'sent', taskNumber: task });
  await until(async () => (await sent()) === 150, 90_000, 'all 150 deliveries to be sent', 500);
  const takeoverMs = Date.now() - killedAt;
  second.kill('SIGTERM');
  expect((await exited(second)).code).toBe(0);

  expect(takeoverMs).toBeLessThan(60_000);
  expect(new Set(world.sink.messages.map((m) => m.to[0])).size).toBe(150);
  const { duplicates, idsPerRecipient } = lettersByRecipient();
  expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
  expect(idsPerRecipient).toEqual([1]);
  // Printed for the README's "Nothing is lost" section.
  process.stdout.write(`kill -9: ${duplicates} duplicate(s), all sent ${takeoverMs} ms after the kill\n`);
}, 180_000);

it('two live workers and an SMTP server slower than the lease: nobody gets a letter twice', async () => {
  await watchers(40, 810_000);
  // Each letter takes longer than a lease: only the renewals keep the other worker away.
  const env = { LEASE_MS: '1500', DISPATCH_BATCH: '10', DISPATCH_CONCURRENCY: String(CONCURRENCY) };
  world.sink.pause();
  const a = workers.start(env);
  const b = workers.start(env);
  const runA = await requestRun({ trigger: 'send' });
  await until(() => world.sink.waiting >= CONCURRENCY, 30_000, 'letters to hang at the SMTP server');
  const runB = await requestRun({ trigger: 'send' });
  // Three leases' time with the letters hanging, seen in the leases the first worker renews meanwhile.
  const renewedBy = Date.now() + 4_500;
  await until(
    async () => (await ClaimModel.countDocuments({ _id: /^group:/, leaseUntil: { $gt: new Date(renewedBy) } })) > 0,
    30_000,
    'the leases to be renewed past three lease lengths',
  );
  world.sink.resume();
  await waitForRun(runA, { timeoutMs: 60_000 });
  await waitForRun(runB, { timeoutMs: 60_000 });
  await until(async () => (await DeliveryModel.countDocuments({ status: 'sent' })) === 40, 60_000, 'all 40 to be sent', 200);
  a.kill('SIGTERM');
  b.kill('SIGTERM');
  await Promise.all([exited(a), exited(b)]);
  expect(world.sink.messages).toHaveLength(40);
  expect(lettersByRecipient().duplicates).toBe(0);
}, 180_000);
