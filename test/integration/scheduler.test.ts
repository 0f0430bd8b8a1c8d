/**
 * The Scheduler with real Bree worker threads (the compiled jobs in dist/jobs, built by `npm test`):
 * the dispatch thread stays resident between /send requests, the admin's schedule starts runs, and
 * housekeeping keeps history within the retention.
 */
import path from 'node:path';
import { ChangeModel, ClaimModel, DeliveryModel, RunModel } from '../../src/db/models/index.js';
import { requestRun, waitForRun } from '../../src/delivery/runs.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { runMaintenance } from '../../src/scheduler/maintenance.js';
import { saveSchedule } from '../../src/services/settings.js';
import { createLogger } from '../../src/logger.js';
import { clearDatabase, useTestDatabase } from '../support/db.js';
import { edit, makePerson, makeTask, saveWorldSettings, startWorld, type World } from '../support/world.js';

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
});
afterAll(async () => {
  await world.close();
});

function startScheduler(): Scheduler {
  process.env.SMSRU_BASE_URL = world.sms.baseUrl;
  process.env.TELEGRAM_API_ROOT = world.config.TELEGRAM_API_ROOT;
  process.env.BOT_TOKEN = world.config.BOT_TOKEN;
  process.env.LOG_LEVEL = 'silent';
  const s = new Scheduler({
    logger: createLogger('silent'),
    mongoUri: db.uri,
    secretKey: world.config.SECRET_KEY!,
    jobsDir: path.resolve('dist/jobs'),
    pollMs: 100,
  });
  scheduler = s;
  return s;
}

it('keeps the dispatch thread resident: a second /send is carried out by the same thread', async () => {
  const author = await makePerson({ name: 'Anna' });
  const b = await makePerson({ name: 'Boris', email: 'boris@example.org' });
  const n = await makeTask(author, 'Twice', [[b, ['email']]]);
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
});

it("starts runs on the admin's schedule and records them", async () => {
  const author = await makePerson({ name: 'Anna' });
  const b = await makePerson({ name: 'Boris', email: 'boris@example.org' });
  const n = await makeTask(author, 'Scheduled', [[b, ['email']]]);
  await edit(n, author, 'status', 'done');
  await saveSchedule({ kind: 'cron', cron: '* * * * * *' });
  await startScheduler().start();

  // The run is marked done a few queries after its last delivery is recorded: wait for both.
  const deadline = Date.now() + 20_000;
  const done = async () =>
    Boolean(await DeliveryModel.exists({ status: 'sent' })) && Boolean(await RunModel.exists({ trigger: 'schedule', status: 'done' }));
  while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

  expect(world.sink.messages.map((m) => m.to[0])).toEqual(['boris@example.org']);
  expect(await RunModel.exists({ trigger: 'schedule', status: 'done' })).toBeTruthy();
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
