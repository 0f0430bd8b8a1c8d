import { DeliveryModel, AlertModel, ClaimModel, ObserverModel, PersonModel, SlotModel } from '../../src/db/models/index.js';
import { planPendingChanges } from '../../src/delivery/planning.js';
import { pollSmsReports } from '../../src/delivery/reports.js';
import { createSmsProvider } from '../../src/delivery/channels/sms/index.js';
import { useTestDatabase } from '../support/db.js';
import { ADMIN_ID, edit, makePerson, makeTask, sendNow, useWorld } from '../support/world.js';
import { saveSms, saveTemplate } from '../../src/services/settings.js';
import { dryRun, queue } from '../../src/delivery/service.js';
import { analyzeSms } from '../../src/domain/sms-segments.js';
import { executeRequestedRuns } from '../../src/scheduler/dispatch-job.js';
import { requestRun, waitForRun } from '../../src/delivery/runs.js';
import { createLogger } from '../../src/logger.js';
import { until } from '../support/wait.js';
import { DateTime } from 'luxon';

useTestDatabase();

const world = useWorld();
afterEach(() => {
  // Whatever the product sent to Telegram, real Telegram would have taken.
  expect(world.botApi.refusals).toEqual([]);
});

/** A clock `ms` ahead of now: retries scheduled by an earlier run are due on it, without waiting for them. */
const ahead = (ms: number) => () => new Date(Date.now() + ms);

describe('a change travels to the people it concerns', () => {
  it('sends one letter per e-mail recipient and one SMS per SMS recipient, and nothing to the author who made it', async () => {
    const author = await makePerson({ name: 'Anna', email: 'anna@example.org', phone: '+79120000001' });
    const boris = await makePerson({ name: 'Boris', email: 'boris@example.org', phone: '+79120000002' });
    const vera = await makePerson({ name: 'Vera', email: 'vera@example.org', phone: '8 (912) 000-00-03' });
    const n = await makeTask(author, 'Починить принтер', [
      [boris, ['email']],
      [vera, ['sms']],
    ]);
    await edit(n, author, 'status', 'in_progress');

    const result = await sendNow(world);

    expect(result.sent).toEqual({ email: 1, sms: 1, telegram: 0 });
    expect(world.sink.messages).toHaveLength(1);
    const letter = world.sink.messages[0]!;
    expect(letter.to).toEqual(['boris@example.org']);
    expect(letter.subject).toContain(String(n));
    expect(letter.subject).toContain('Починить принтер');
    expect(letter.text).toMatch(/in_progress|В работе|в работе/i);
    // Who made the change is named, though no message goes to her (the batch reads her apart from its recipients).
    expect(letter.text).toContain('Anna');

    expect(world.sms.accepted).toHaveLength(1);
    const sms = world.sms.accepted[0]!;
    expect(sms.to).toBe('79120000003');
    expect(sms.from).toBe('TaskWatch');
    expect(sms.msg).toContain(`#${n}`);
    expect(world.sink.messages.some((m) => m.to.includes('anna@example.org'))).toBe(false);

    const rows = await DeliveryModel.find().lean();
    expect(rows.map((r) => r.status).sort()).toEqual(['sent', 'sent']);
    expect(rows.find((r) => r.channel === 'sms')?.providerMessageId).toBe(sms.id);
  });

  it('names the assignee a change took the task from, though they no longer take part in it', async () => {
    const anna = await makePerson({ name: 'Anna', email: 'anna@example.org' });
    const boris = await makePerson({ name: 'Boris', email: 'boris@example.org' });
    await makePerson({ name: 'Gleb' });
    await makePerson({ name: 'Dina' });
    const n = await makeTask(anna, 'Replace the pump', [[boris, ['email']]]);
    await edit(n, anna, 'assignee', '@gleb');
    await sendNow(world);
    world.sink.messages.length = 0;

    await edit(n, anna, 'assignee', '@dina');
    await sendNow(world);

    // Gleb is neither a recipient nor the task's author or assignee any more: only the change names him.
    const letter = world.sink.messages.find((m) => m.to.includes('boris@example.org'));
    expect(letter?.text).toContain('Gleb');
    expect(letter?.text).toContain('Dina');
  });

  it('plans a change once, however often planning runs', async () => {
    const author = await makePerson({ name: 'Anna', email: 'anna@example.org' });
    const boris = await makePerson({ name: 'Boris', email: 'boris@example.org' });
    const n = await makeTask(author, 'Report', [[boris, ['email', 'telegram']]]);
    await edit(n, author, 'title', 'Quarterly report');
    const first = await planPendingChanges();
    await DeliveryModel.updateMany({}, { $set: {} });
    const { ChangeModel } = await import('../../src/db/models/index.js');
    await ChangeModel.updateMany({}, { $unset: { plannedAt: '' } });
    const second = await planPendingChanges();
    expect(first).toBe(2);
    expect(second).toBe(0);
    expect(await DeliveryModel.countDocuments()).toBe(2);
  });

  it('sends what one person gets on one channel in one run as one digest', async () => {
    const author = await makePerson({ name: 'Anna', email: 'anna@example.org' });
    const boris = await makePerson({ name: 'Boris', email: 'boris@example.org' });
    const a = await makeTask(author, 'First task', [[boris, ['email']]]);
    const b = await makeTask(author, 'Second task', [[boris, ['email']]]);
    await edit(a, author, 'priority', 'high');
    await edit(b, author, 'status', 'done');
    await edit(b, author, 'title', 'Second task, renamed');

    const result = await sendNow(world);

    expect(result.sent.email).toBe(1);
    expect(world.sink.messages).toHaveLength(1);
    const text = world.sink.messages[0]!.text ?? '';
    expect(text).toContain('First task');
    expect(text).toContain('Second task, renamed');
    expect(await DeliveryModel.countDocuments({ status: 'sent' })).toBe(3);
  });

  it('sends one digest per person and channel even when a claim takes fewer deliveries than one person has', async () => {
    const author = await makePerson({ name: 'Anna', email: 'anna@example.org' });
    const boris = await makePerson({ name: 'Boris', email: 'boris@example.org', phone: '+79120000077' });
    const vera = await makePerson({ name: 'Vera', email: 'vera@example.org' });
    const tasks = [];
    for (const title of ['One', 'Two', 'Three']) {
      tasks.push(
        await makeTask(author, `Task ${title}`, [
          [boris, ['email', 'sms']],
          [vera, ['email']],
        ]),
      );
    }
    for (const n of tasks) await edit(n, author, 'status', 'done');

    // A claim looks at two deliveries; Boris has six due (three by e-mail, three by SMS), Vera three.
    const result = await sendNow({ ...world, config: { ...world.config, DISPATCH_BATCH: 2 } });

    expect(result.sent).toEqual({ email: 2, sms: 1, telegram: 0 });
    const to = world.sink.messages.map((m) => m.to[0]).sort();
    expect(to).toEqual(['boris@example.org', 'vera@example.org']);
    for (const m of world.sink.messages) for (const title of ['One', 'Two', 'Three']) expect(m.text).toContain(`Task ${title}`);
    expect(world.sms.accepted).toHaveLength(1);
    expect(await DeliveryModel.countDocuments({ status: 'sent' })).toBe(9);
  });

  it('sends only the given task on /send n', async () => {
    const author = await makePerson({ name: 'Anna', email: 'anna@example.org' });
    const boris = await makePerson({ name: 'Boris', email: 'boris@example.org' });
    const a = await makeTask(author, 'Alpha', [[boris, ['email']]]);
    const b = await makeTask(author, 'Beta', [[boris, ['email']]]);
    await edit(a, author, 'status', 'done');
    await edit(b, author, 'status', 'done');
    await planPendingChanges();

    await sendNow(world, { taskNumber: b });

    expect(world.sink.messages).toHaveLength(1);
    expect(world.sink.messages[0]!.subject).toContain('Beta');
    expect(await DeliveryModel.countDocuments({ taskNumber: a, status: 'pending' })).toBe(1);
  });

  it('sends Telegram notifications with buttons to stop watching or switch channel', async () => {
    const author = await makePerson({ name: 'Anna' });
    const boris = await makePerson({ name: 'Boris' });
    const n = await makeTask(author, 'Deploy', [[boris, ['telegram']]]);
    await edit(n, author, 'status', 'review');

    const result = await sendNow(world);

    expect(result.sent.telegram).toBe(1);
    const msgs = world.telegram.storage.botMessages.map(
      (m) => m.message as unknown as { chat_id: number; text: string; reply_markup?: unknown },
    );
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.chat_id).toBe(boris.telegramId);
    expect(msgs[0]!.text).toContain('Deploy');
    expect(JSON.stringify(msgs[0]!.reply_markup)).toContain(`tw:unwatch:${n}`);
  });
});

describe('failures', () => {
  it("waits exactly the retry_after of Telegram's 429, however small RETRY_MAX_MS is", async () => {
    const author = await makePerson({ name: 'Anna' });
    const boris = await makePerson({ name: 'Boris' });
    const n = await makeTask(author, 'Flood', [[boris, ['telegram']]]);
    await edit(n, author, 'status', 'done');
    const t0 = Date.parse('2030-01-01T09:00:00Z');
    const at = (ms: number) => () => new Date(t0 + ms);

    world.botApi.refuse('sendMessage', { status: 429, description: 'Too Many Requests: retry after 30', retryAfter: 30 });
    const first = await sendNow(world, { clock: at(0) });
    world.botApi.refuse('sendMessage');
    expect(first.retrying).toBe(1);
    const waiting = await DeliveryModel.findOne({ channel: 'telegram' }).lean();
    expect(waiting).toMatchObject({ status: 'pending', heldFor: 'retry' });
    expect(waiting!.nextAttemptAt.getTime()).toBe(t0 + 30_000); // not cut to RETRY_MAX_MS (5 ms here)

    expect((await sendNow(world, { clock: at(29_000) })).sent.telegram).toBe(0);
    // The 429 also filled the deployment's Telegram budget up to retry_after, on the real clock (no process
    // sends before it): the 30 s this test's clock skips pass for the budget too.
    expect(await SlotModel.countDocuments({ _id: /^tg:/ })).toBeGreaterThan(0);
    await SlotModel.deleteMany({});
    expect((await sendNow(world, { clock: at(30_000) })).sent.telegram).toBe(1);
    expect(world.telegramTo(boris.telegramId)).toHaveLength(1);
    // The 429 was answered as Telegram asks: the same message again once retry_after had passed.
    expect(world.botApi.honoured.map((r) => r.status)).toEqual([429]);
    expect(world.botApi.refusals).toEqual([]);
  });

  it("waits the Retry-After of sms.ru's HTTP 503 in full", async () => {
    const author = await makePerson({ name: 'Anna' });
    const p = await makePerson({ name: 'Sam', phone: '+79120000301' });
    const n = await makeTask(author, 'Busy', [[p, ['sms']]]);
    await edit(n, author, 'status', 'done');
    const t0 = Date.parse('2030-01-01T09:00:00Z');
    world.sms.setMode('down'); // 503, Retry-After: 2
    expect((await sendNow(world, { clock: () => new Date(t0) })).retrying).toBe(1);
    world.sms.setMode('ok');
    const waiting = await DeliveryModel.findOne({ channel: 'sms' }).lean();
    expect(waiting!.nextAttemptAt.getTime()).toBe(t0 + 2_000);
    expect((await sendNow(world, { clock: () => new Date(t0 + 1_999) })).sent.sms).toBe(0);
    expect((await sendNow(world, { clock: () => new Date(t0 + 2_000) })).sent.sms).toBe(1);
  });

  it('holds SMS until Moscow midnight when sms.ru says the daily limit is reached, and tells the admin once', async () => {
    await makePerson({ name: 'Admin', admin: true });
    const author = await makePerson({ name: 'Anna' });
    const people = await Promise.all([0, 1].map((i) => makePerson({ name: `L${i}`, phone: `+7912000040${i}` })));
    const n = await makeTask(
      author,
      'Limit',
      people.map((x) => [x, ['sms']] as [typeof x, ['sms']]),
    );
    await edit(n, author, 'status', 'done');
    world.sms.nextCodes(206, 206);
    const run = await sendNow(world);
    expect(run.retrying).toBe(2);
    const held = await DeliveryModel.find({ channel: 'sms' }).lean();
    for (const d of held) {
      expect(d.status).toBe('pending');
      // sms.ru's day ends at midnight in Moscow (UTC+3): the wait ends at 21:01 UTC, the same day or the next.
      const t = d.nextAttemptAt;
      expect([t.getUTCHours(), t.getUTCMinutes()]).toEqual([21, 1]);
    }
    const alerts = world.telegramTo(ADMIN_ID);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain('исчерпан дневной лимит отправки');
    expect(alerts[0]!.text).toContain('206');
  });

  it('delivers every letter in the end when the SMTP server answers 4xx to 30% of them, and records the attempts', async () => {
    world.sink.setFailRatio(0.3);
    const author = await makePerson({ name: 'Anna' });
    const people = await Promise.all(Array.from({ length: 20 }, (_, i) => makePerson({ name: `P${i}`, email: `p${i}@example.org` })));
    const n = await makeTask(
      author,
      'Flaky',
      people.map((p) => [p, ['email']] as [typeof p, ['email']]),
    );
    await edit(n, author, 'status', 'done');
    expect(await planPendingChanges()).toBe(20);

    for (let i = 0; i < 20 && (await DeliveryModel.countDocuments({ status: { $ne: 'sent' } })) > 0; i++) {
      await sendNow(world, { clock: ahead((i + 1) * 60_000) });
    }

    expect(await DeliveryModel.countDocuments({ status: 'sent' })).toBe(20);
    expect(new Set(world.sink.messages.map((m) => m.to[0])).size).toBe(20);
    expect(world.sink.failed).toBeGreaterThan(0);
    const retried = await DeliveryModel.find({ attempts: { $gt: 1 } }).lean();
    expect(retried.length).toBeGreaterThan(0);
  });

  it('counts messages, not changes, in what a run reports: sent, retrying and held alike', async () => {
    const author = await makePerson({ name: 'Anna' });
    const gleb = await makePerson({ name: 'Gleb', phone: '+79120000111', email: 'gleb@example.org' });
    // Quiet hours around the present hour in Moscow (UTC+3), whatever the time the test runs.
    const hour = (new Date().getUTCHours() + 3) % 24;
    const hh = (h: number) => String((h + 24) % 24).padStart(2, '0');
    const owl = await makePerson({
      name: 'Owl',
      email: 'owl@example.org',
      phone: '+79120000112',
      quiet: `${hh(hour - 1)}:00-${hh(hour + 2)}:00`,
    });
    for (const title of ['Units one', 'Units two']) {
      const n = await makeTask(author, title, [
        [gleb, ['sms', 'email']],
        [owl, ['sms']],
      ]);
      await edit(n, author, 'status', 'done');
    }
    world.sms.setMode('down');

    const run = await sendNow(world);

    // Gleb: one letter about both tasks, one SMS to retry; Owl: one SMS held by quiet hours.
    expect(run.sent).toEqual({ email: 1, sms: 0, telegram: 0 });
    expect(run.retrying).toBe(1);
    expect(run.held).toBe(1);
    expect(await DeliveryModel.countDocuments({ heldFor: 'retry' })).toBe(2);
    expect(await DeliveryModel.countDocuments({ heldFor: 'quiet' })).toBe(2);
  });

  it('loses nothing while the SMS gateway is down, and sends it all when it is back', async () => {
    const author = await makePerson({ name: 'Anna' });
    const p = await Promise.all(Array.from({ length: 5 }, (_, i) => makePerson({ name: `S${i}`, phone: `+7912000010${i}` })));
    const n = await makeTask(
      author,
      'Outage',
      p.map((x) => [x, ['sms']] as [typeof x, ['sms']]),
    );
    await edit(n, author, 'status', 'done');

    world.sms.setMode('down');
    const down = await sendNow(world);
    expect(down.sent.sms).toBe(0);
    expect(down.retrying).toBe(5);
    expect(await DeliveryModel.countDocuments({ status: 'pending', heldFor: 'retry' })).toBe(5);

    world.sms.setMode('ok');
    const up = await sendNow(world, { clock: ahead(60_000) });
    expect(up.sent.sms).toBe(5);
    expect(world.sms.accepted.map((a) => a.to).sort()).toEqual(p.map((x) => x.phone!.slice(1)).sort());
  });

  it('fails SMS for good on "no money" with the reason, tells the admin once, and sends by Telegram instead', async () => {
    await makePerson({ name: 'Admin', admin: true });
    const author = await makePerson({ name: 'Anna' });
    const p = await Promise.all(Array.from({ length: 3 }, (_, i) => makePerson({ name: `M${i}`, phone: `+7912000020${i}` })));
    const n = await makeTask(
      author,
      'Money',
      p.map((x) => [x, ['sms']] as [typeof x, ['sms']]),
    );
    await edit(n, author, 'status', 'done');
    world.sms.setMode({ code: 201 });

    const result = await sendNow(world);

    expect(result.sent.sms).toBe(0);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]!.count).toBe(3);
    expect(result.failed[0]!.reason).toMatch(/201/);
    const failed = await DeliveryModel.find({ channel: 'sms' }).lean();
    expect(failed.every((d) => d.status === 'failed' && /201/.test(d.lastError ?? ''))).toBe(true);
    const adminMessages = world.telegramTo(ADMIN_ID);
    expect(adminMessages).toHaveLength(1);
    expect(adminMessages[0]!.text).toMatch(/денег|money/);
    expect(result.sent.telegram).toBe(3);
    for (const x of p) expect(world.telegramTo(x.telegramId)).toHaveLength(1);

    await edit(n, author, 'status', 'new');
    await sendNow(world);
    expect(world.telegramTo(ADMIN_ID)).toHaveLength(1);
    expect((await AlertModel.findOne({ cause: 'sms:balance' }).lean())?.count).toBeGreaterThan(1);
  });

  it('fails on an unapproved sender (204) with the reason and tells the admin once', async () => {
    await makePerson({ name: 'Admin', admin: true });
    const author = await makePerson({ name: 'Anna' });
    const p = await Promise.all(Array.from({ length: 2 }, (_, i) => makePerson({ name: `N${i}`, phone: `+7912000030${i}` })));
    const n = await makeTask(
      author,
      'Sender',
      p.map((x) => [x, ['sms']] as [typeof x, ['sms']]),
    );
    await saveSms({ sender: 'Unapproved', fallback: 'none' }, world.secrets);
    await edit(n, author, 'status', 'done');

    const result = await sendNow(world);

    expect(result.failed[0]!.reason).toMatch(/204/);
    expect(await DeliveryModel.countDocuments({ channel: 'sms', status: 'failed' })).toBe(2);
    expect(await DeliveryModel.countDocuments({ channel: 'telegram' })).toBe(0);
    const adminMessages = world.telegramTo(ADMIN_ID);
    expect(adminMessages).toHaveLength(1);
    expect(adminMessages[0]!.text).toMatch(/отправител|sender/);
  });

  it('sends nothing twice when two /send runs are carried out at the same moment, and both take part', async () => {
    const author = await makePerson({ name: 'Anna' });
    const people = await Promise.all(Array.from({ length: 60 }, (_, i) => makePerson({ name: `C${i}`, email: `c${i}@example.org` })));
    const n = await makeTask(
      author,
      'Race',
      people.map((p) => [p, ['email']] as [typeof p, ['email']]),
    );
    await edit(n, author, 'status', 'done');
    await planPendingChanges();
    // Claims of five, one letter at a time: neither executor can take everything in one claim.
    const config = { ...world.config, DISPATCH_BATCH: 5, DISPATCH_CONCURRENCY: 1 };
    const execute = () => executeRequestedRuns({ config, logger: createLogger('silent'), secrets: world.secrets });

    // The mail server holds its answers: the first executor is still sending its first letter when the
    // second run is requested and the second executor starts, so both runs go through the same due deliveries.
    world.sink.hold();
    const first = await requestRun({ trigger: 'send' });
    const executors = [execute()];
    await until(() => world.sink.waiting >= 1, 30_000, 'the first executor to be sending');
    const second = await requestRun({ trigger: 'send' });
    executors.push(execute());
    await until(() => world.sink.waiting >= 2, 30_000, 'the second executor to be sending too');
    world.sink.release();
    expect(await Promise.all(executors)).toEqual([1, 1]);
    const [a, b] = [await waitForRun(first, { timeoutMs: 30_000 }), await waitForRun(second, { timeoutMs: 30_000 })];

    expect(a.sent.email).toBeGreaterThan(0);
    expect(b.sent.email).toBeGreaterThan(0);
    expect(a.sent.email + b.sent.email).toBe(60);
    const ids = world.sink.messages.map((m) => m.messageId);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    expect(new Set(world.sink.messages.map((m) => m.to[0])).size).toBe(60);
  });
});

describe('/send dry', () => {
  it('counts the SMS parts of exactly the text that is then sent', async () => {
    const author = await makePerson({ name: 'Anna' });
    const vera = await makePerson({ name: 'Vera', phone: '+79120000601' });
    const n = await makeTask(author, 'Отчёт', [[vera, ['sms']]]);
    await saveTemplate('sms', '#{task.number} {task.title}: {changes}. {task.description}');
    await edit(n, author, 'description', 'Свести данные всех отделов в один отчёт и разослать его руководителям');
    await edit(n, author, 'status', 'done');

    const [line] = await dryRun({});
    await sendNow(world);

    const sent = analyzeSms(world.sms.accepted[0]!.msg);
    expect(line).toMatchObject({ channel: 'sms', smsParts: sent.parts, smsEncoding: sent.encoding });
    expect(sent.parts).toBeGreaterThan(1);
    expect(world.sms.accepted[0]!.msg).toContain('Свести данные');
  });
});

describe('recovery', () => {
  /** Boris, watching a new task by e-mail, with one change planned; and the claim key of his e-mail. */
  async function oneDelivery(title: string) {
    const author = await makePerson({ name: 'Anna' });
    const boris = await makePerson({ name: 'Boris', email: 'boris@example.org' });
    const n = await makeTask(author, title, [[boris, ['email']]]);
    await edit(n, author, 'status', 'done');
    await planPendingChanges();
    const d = (await DeliveryModel.findOne().lean())!;
    return { d, key: `group:${String(d.person)}:email` };
  }

  it("takes over a dead worker's claim once its lease ran out, and sends what it covered as the same message", async () => {
    const { d, key } = await oneDelivery('Orphan');
    // The dead worker's claim: its lease ran out a second ago, the delivery still pending.
    const past = new Date(Date.now() - 1_000);
    await ClaimModel.create({ _id: key, owner: 'dead-worker', at: new Date(Date.now() - 60_000), leaseUntil: past, items: [d._id] });

    const result = await sendNow(world);

    expect(result.sent.email).toBe(1);
    expect(world.sink.messages.map((m) => m.to[0])).toEqual(['boris@example.org']);
    expect(world.sink.messages[0]!.messageId).toMatch(new RegExp(`^<${String(d._id)}@`));
    expect(await ClaimModel.countDocuments({ _id: key })).toBe(0);
  });

  it('takes over a claim an older version left without a lease once it is two leases old', async () => {
    const { d, key } = await oneDelivery('Legacy');
    await ClaimModel.create({ _id: key, owner: 'old-worker', at: new Date(Date.now() - 3_600_000) });

    const result = await sendNow(world);

    expect(result.sent.email).toBe(1);
    expect((await DeliveryModel.findById(d._id).lean())?.status).toBe('sent');
  });

  it('leaves a claim of another worker alone while its lease is alive, and says when it runs out', async () => {
    const { d, key } = await oneDelivery('Busy');
    const leaseUntil = new Date(Date.now() + 60_000);
    await ClaimModel.create({ _id: key, owner: 'live-worker', at: new Date(), leaseUntil, items: [d._id] });

    const result = await sendNow(world);

    expect(result.sent.email).toBe(0);
    expect(world.sink.messages).toHaveLength(0);
    expect((await DeliveryModel.findById(d._id).lean())?.status).toBe('pending');
    expect(result).toMatchObject({ othersLeaseEnd: leaseUntil.toISOString() });
    // /queue counts it once, as being sent (it stays pending until its outcome is written).
    expect(await queue()).toMatchObject({ pending: 0, sending: 1 });
  });
});

describe('quiet hours', () => {
  it("holds SMS during the person's quiet hours and sends them when the hours end", async () => {
    const author = await makePerson({ name: 'Anna' });
    const sleeper = await makePerson({ name: 'Sleeper', phone: '+79120000401', quiet: '22:00-07:00', email: 's@example.org' });
    const n = await makeTask(author, 'Night', [[sleeper, ['sms', 'email']]]);
    await edit(n, author, 'status', 'done');
    // The next 23:30 in Moscow after the change (the change is recorded at the real time, so the clock is
    // set from it, never from a date the real clock can overtake), and the end of that night, 07:00.
    const moscow = DateTime.now().setZone('Europe/Moscow');
    const night = moscow.set({ hour: 23, minute: 30, second: 0, millisecond: 0 }).plus({ days: moscow.hour >= 23 ? 1 : 0 });
    const morning7 = night.plus({ days: 1 }).set({ hour: 7, minute: 0 });
    let now = night.toJSDate();
    const clock = () => now;

    const atNight = await sendNow(world, { clock });
    expect(atNight.sent).toEqual({ email: 1, sms: 0, telegram: 0 });
    expect(atNight.held).toBe(1);
    const held = await DeliveryModel.findOne({ channel: 'sms' }).lean();
    expect(held?.status).toBe('pending');
    expect(held?.heldFor).toBe('quiet');
    expect(held?.nextAttemptAt.toISOString()).toBe(morning7.toUTC().toISO());
    expect(world.sms.accepted).toHaveLength(0);

    now = morning7.minus({ minutes: 1 }).toJSDate();
    expect((await sendNow(world, { clock })).sent.sms).toBe(0);

    now = morning7.plus({ seconds: 30 }).toJSDate();
    const morning = await sendNow(world, { clock });
    expect(morning.sent.sms).toBe(1);
    expect(world.sms.accepted).toHaveLength(1);
  });
});

describe('SMS delivery reports', () => {
  it('polls sms.ru for reports and stores them on the delivery', async () => {
    const author = await makePerson({ name: 'Anna' });
    const r = await makePerson({ name: 'R', phone: '+79120000501' });
    const n = await makeTask(author, 'Reports', [[r, ['sms']]]);
    await edit(n, author, 'status', 'done');
    await sendNow(world);
    world.sms.report(103);

    const provider = createSmsProvider('smsru', { baseUrl: world.sms.baseUrl, secret: 'test-api-id', secretKind: 'api_id' });
    expect(await pollSmsReports(provider)).toBe(1);

    const d = await DeliveryModel.findOne({ channel: 'sms' }).lean();
    expect(d?.report?.code).toBe('103');
    expect(d?.report?.final).toBe(true);
    expect(await pollSmsReports(provider)).toBe(0);
  });
});

describe('checked again when the message goes', () => {
  it('what waited for a digest does not go to someone removed from a task made private since', async () => {
    const author = await makePerson({ name: 'Anna' });
    const boris = await makePerson({ name: 'Boris', email: 'boris@example.org' });
    const vera = await makePerson({ name: 'Vera', email: 'vera@example.org' });
    await PersonModel.updateMany({ _id: { $in: [boris._id, vera._id] } }, { $set: { digestTime: '18:00' } });
    const n = await makeTask(author, 'Reorganisation', [
      [boris, ['email']],
      [vera, ['email']],
    ]);
    await edit(n, author, 'title', 'SECRET: layoffs list');
    await planPendingChanges();
    expect(await DeliveryModel.countDocuments({ heldFor: 'digest' })).toBe(2);
    // Then the task is made private, and Boris is no longer among its observers.
    await edit(n, author, 'private', 'on');
    await ObserverModel.deleteOne({ taskNumber: n, person: boris._id });

    const result = await sendNow(world, { clock: ahead(25 * 3600_000) });
    expect(world.sink.messages.map((m) => m.to)).toEqual([['vera@example.org']]);
    const dropped = await DeliveryModel.findOne({ person: boris._id }).lean();
    expect(dropped).toMatchObject({ status: 'skipped' });
    expect(dropped!.lastError).toMatch(/^dropped when sending: the person no longer takes part in this task, or may no longer see it/);
    expect(result.sent.email).toBe(1);
    expect((await queue()).dropped).toBe(1);
  });

  it('a retry does not go to someone removed from the team meanwhile', async () => {
    const author = await makePerson({ name: 'Anna' });
    const gleb = await makePerson({ name: 'Gleb', email: 'gleb@example.org' });
    const n = await makeTask(author, 'Budget', [[gleb, ['email']]]);
    await edit(n, author, 'status', 'in_progress');
    await planPendingChanges();
    await PersonModel.updateOne({ _id: gleb._id }, { $set: { role: 'blocked' } });
    await sendNow(world);
    expect(world.sink.messages).toHaveLength(0);
    expect((await DeliveryModel.findOne({ person: gleb._id }).lean())!.lastError).toBe(
      'dropped when sending: the person is no longer a member',
    );
  });
});
