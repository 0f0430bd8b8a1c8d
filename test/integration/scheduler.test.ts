/**
 * The Scheduler with real Bree worker threads (the compiled jobs in dist/jobs, built by `npm test`):
 * the dispatch thread stays resident between /send requests, the admin's schedule starts runs, and
 * housekeeping keeps history within the retention.
 */
import { ChangeModel, ClaimModel, DeliveryModel, RunModel } from '../../src/db/models/index.js';
import { requestRun, waitForRun } from '../../src/delivery/runs.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { runMaintenance } from '../../src/scheduler/maintenance.js';
import { saveSchedule } from '../../src/services/settings.js';
import { clearDatabase, useTestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';
import { edit, makePerson, makeTask, saveWorldSettings, startWorld, worldScheduler, type World } from '../support/world.js';

const db = useTestDatabase();
let world: World;
let scheduler: Scheduler | undefined;

beforeAll(async () => {
  world = await startWorld();
});
beforeEach(async () => {
  await saveWorldSettings(world);
});
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  await clearDatabase();
  world.sink.reset();
  world.sms.reset();
  world.telegram.storage.botMessages.length = 0;
});
afterAll(async () => {
  await world.close();
});

function startScheduler(): Scheduler {
  const s = worldScheduler(world, db.uri);
  scheduler = s;
  return s;
}

it('keeps the dispatch thread resident: a second /send is carried out by the same thread', async () => {
  const author = await makePerson({ name: 'Anna' });
  const b = await makePerson({ name: 'Boris', email: 'boris@example.org' });
  const c = await makePerson({ name: 'Clara', phone: '+79120000555' });
  const n = await makeTask(author, 'Twice', [
    [b, ['email']],
    [c, ['sms', 'telegram']],
  ]);
  await saveSchedule({ kind: 'off' });
  const s = startScheduler();
  await s.start();

  await edit(n, author, 'status', 'in_progress');
  const first = await requestRun({ trigger: 'send' });
  s.kick();
  expect((await waitForRun(first, { timeoutMs: 30_000 })).sent.email).toBe(1);

  await edit(n, author, 'status', 'done');
  const second = await requestRun({ trigger: 'send' });
  s.kick();
  expect((await waitForRun(second, { timeoutMs: 30_000 })).sent.email).toBe(1);

  const runs = await RunModel.find({ _id: { $in: [first, second] } }).lean();
  const thread = (worker?: string | null) => worker?.split(':').slice(0, 3).join(':');
  expect(thread(runs[0]!.worker)).toBe(thread(runs[1]!.worker));
  expect(world.sink.messages).toHaveLength(2);
  // The thread reached the world's sms.ru and Bot API doubles: it got their addresses from the scheduler.
  expect(world.sms.accepted.map((a) => a.to)).toEqual(['79120000555', '79120000555']);
  expect(world.telegramTo(c.telegramId)).toHaveLength(2);
});

it("starts runs on the admin's schedule and records them", async () => {
  const author = await makePerson({ name: 'Anna' });
  const b = await makePerson({ name: 'Boris', email: 'boris@example.org' });
  const n = await makeTask(author, 'Scheduled', [[b, ['email']]]);
  await edit(n, author, 'status', 'done');
  await saveSchedule({ kind: 'cron', cron: '* * * * * *' });
  await startScheduler().start();

  // The run is finished a moment after its last delivery is recorded as sent: wait for the run itself.
  await until(
    async () => Boolean(await RunModel.exists({ trigger: 'schedule', status: 'done', 'result.sent.email': 1 })),
    20_000,
    'a scheduled run to finish',
  );

  expect(world.sink.messages.map((m) => m.to[0])).toEqual(['boris@example.org']);
  expect(await DeliveryModel.countDocuments({ status: 'sent' })).toBe(1);
});

it('deletes finished history older than the retention, and keeps what is pending or recent', async () => {
  const author = await makePerson({ name: 'Anna' });
  const b = await makePerson({ name: 'Boris', email: 'boris@example.org' });
  const n = await makeTask(author, 'History', [[b, ['email']]]);
  await edit(n, author, 'status', 'done');
  await edit(n, author, 'status', 'new');
  const { planPendingChanges } = await import('../../src/delivery/planning.js');
  await planPendingChanges();
  const [oldOne, recent] = await DeliveryModel.find().sort({ createdAt: 1 }).lean();
  const longAgo = new Date(Date.now() - 40 * 24 * 3600_000);
  await DeliveryModel.collection.updateOne({ _id: oldOne!._id }, { $set: { status: 'sent', updatedAt: longAgo } });
  await ChangeModel.collection.updateOne({ _id: oldOne!.change }, { $set: { at: longAgo } });
  await ClaimModel.create({ _id: 'old-claim', owner: 'x', at: longAgo });

  const r = await runMaintenance(new Date(), 30);

  expect(r).toMatchObject({ deliveries: 1, changes: 1, claims: 1 });
  expect(await DeliveryModel.findById(oldOne!._id)).toBeNull();
  expect(await DeliveryModel.findById(recent!._id)).not.toBeNull();
  expect(await runMaintenance(new Date(), 0)).toMatchObject({ deliveries: 0, changes: 0 });
});
