/**
 * Due-date reminders end to end. With the real Scheduler and its Bree dispatch threads (the compiled jobs in
 * dist/jobs): a reminder goes at its minute from the scheduler's alarm, once with two workers, and the alarm
 * is then set for a moment two months away. With the run's own code and a controllable clock: sweeps that
 * race or are repeated after a crash write each reminder once; a due date moved drops what waited for the
 * old one and plans the new one; a task done reminds no more; quiet hours hold an SMS reminder.
 */
import { CounterModel, DeliveryModel, PersonModel, ReminderModel, RunModel } from '../../src/db/models/index.js';
import { planReminders, sweepReminders, reminderWatermark } from '../../src/delivery/reminders.js';
import { dueRequests } from '../../src/delivery/runs.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { saveSchedule } from '../../src/services/settings.js';
import { editTask, taskToChange } from '../../src/services/tasks.js';
import { setRemind } from '../../src/services/reminders.js';
import { UserError } from '../../src/domain/errors.js';
import { useTestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';
import { edit, makePerson, makeTask, sendNow, useWorld, worldScheduler } from '../support/world.js';

const db = useTestDatabase();
const world = useWorld();
const schedulers: Scheduler[] = [];

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});

function startScheduler(): Scheduler {
  const s = worldScheduler(world, db.uri);
  schedulers.push(s);
  return s;
}

async function setDue(n: number, actor: { _id: unknown }, due: Date | null) {
  return editTask(await taskToChange(n, actor._id as never), { field: 'due', to: due });
}

/** An assignee who hears of their own tasks on `channels`, with these reminder leads. */
async function assignee(name: string, channels: string[], leads: string[], extra: Parameters<typeof makePerson>[0] = { name }) {
  const p = await makePerson({ ...extra, name });
  await PersonModel.updateOne({ _id: p._id }, { $set: { participantChannels: channels } });
  await setRemind(p._id, leads);
  return p;
}

it('goes at its minute from the alarm, once with two workers; a done task reminds no more; the alarm then waits two months', async () => {
  await saveSchedule({ kind: 'off' });
  // Boris makes his own tasks: his own edits are no news to him, so what he gets is the reminder alone.
  const boris = await assignee('Boris', ['telegram'], ['1h']);
  const open = await makeTask(boris, 'Quarterly report');
  const closed = await makeTask(boris, 'Already done');
  const far = await makeTask(boris, 'Annual plan');
  for (const n of [open, closed, far]) await edit(n, boris, 'assignee', '@boris');
  // The workers look from now on, however long they take to start (a busy machine): nothing here is "past".
  await reminderWatermark(new Date());
  const due = new Date(Date.now() + 3600_000 + 10_000);
  const moment = due.getTime() - 3600_000;
  await setDue(open, boris, due);
  await setDue(closed, boris, due);
  await edit(closed, boris, 'status', 'done');
  const farDue = new Date(Date.now() + 60 * 24 * 3600_000);
  await setDue(far, boris, farDue);

  const [a, b] = [startScheduler(), startScheduler()];
  await a.start();
  await b.start();
  expect(a.nextTimedRun).toBe(moment);

  await until(() => world.telegramTo(boris.telegramId).some((m) => m.text.includes('срок')), 30_000, 'the reminder in Telegram');
  // The message arrives before its outcome is written: wait for the record too.
  await until(async () => Boolean(await DeliveryModel.exists({ status: 'sent' })), 30_000, 'the reminder recorded as sent');
  const sent = await DeliveryModel.findOne({ status: 'sent' }).lean();
  expect(sent!.sentAt!.getTime()).toBeGreaterThanOrEqual(moment);
  // Both workers' runs end; nothing more goes.
  // (A follow-up run, requested for after the other worker's lease, waits with its notBefore: not due.)
  await until(async () => !(await RunModel.exists({ $or: [{ status: 'running' }, dueRequests()] })), 30_000, 'the runs to end');
  const texts = world.telegramTo(boris.telegramId).map((m) => m.text);
  expect(texts).toEqual([
    expect.stringMatching(/^⏰ Задание #\d+ «Quarterly report»: срок \d\d\.\d\d \d\d:\d\d \(через (59|60) минут[а-я]*\)$/),
  ]);
  expect(await ReminderModel.countDocuments()).toBe(1);

  // Re-armed for the next moment: the open task's overdue reminder at its due time. Once it is done, the
  // next is 60 days away, past Node's 24.8-day timer limit, and does not ring early.
  await until(() => a.nextTimedRun === due.getTime(), 10_000, 'the alarm set for the overdue reminder');
  await edit(open, boris, 'status', 'done');
  await a.applyTimedRuns();
  expect(a.nextTimedRun).toBe(farDue.getTime() - 3600_000);
  expect(await RunModel.countDocuments({ status: 'requested', notBefore: { $exists: false } })).toBe(0);
});

it('overdue once at the due time; reminders whose moment passed before a worker looked are not sent late', async () => {
  await saveSchedule({ kind: 'off' });
  const boris = await assignee('Boris', ['telegram'], ['24h', '1h']);
  const n = await makeTask(boris, 'Invoice');
  await edit(n, boris, 'assignee', '@boris');
  await reminderWatermark(new Date());
  const due = new Date(Date.now() + 3_000);
  await setDue(n, boris, due);
  const s = startScheduler();
  await s.start();

  await until(() => world.telegramTo(boris.telegramId).length > 0, 30_000, 'the overdue reminder');
  expect(world.telegramTo(boris.telegramId)[0]!.text).toMatch(/^⏰ Задание #\d+ «Invoice» просрочено с \d\d\.\d\d \d\d:\d\d \(1 минута\)$/);
  expect(await ReminderModel.find().distinct('lead')).toEqual(['overdue']);
});

it('each once when sweeps race or repeat after a crash; a moved due date re-plans; quiet hours hold an SMS; done stops it', async () => {
  // Quiet hours all day but a minute: the SMS reminder is held, not dropped.
  const clara = await assignee('Clara', ['sms', 'telegram'], ['2h'], { name: 'Clara', phone: '+79120000777', quiet: '00:00-23:59' });
  const anna = clara;
  const n = await makeTask(clara, 'Budget');
  await edit(n, clara, 'assignee', '@clara');
  const t0 = new Date();
  await reminderWatermark(t0);
  const due = new Date(t0.getTime() + 3 * 3600_000);
  await setDue(n, anna, due);
  const t1 = new Date(due.getTime() - 2 * 3600_000 + 1_000);

  // Three workers sweep the same window at once; then one sweeps it again as if the first had died before
  // moving the watermark.
  await Promise.all([sweepReminders(t1), sweepReminders(t1), sweepReminders(t1)]);
  await CounterModel.updateOne({ _id: 'reminders-swept' }, { $set: { seq: t0.getTime() } });
  await sweepReminders(t1);
  expect(await ReminderModel.countDocuments()).toBe(1);
  await planReminders(t1);
  await planReminders(t1);
  expect((await DeliveryModel.find().lean()).map((d) => d.channel).sort()).toEqual(['sms', 'telegram']);

  const first = await sendNow(world, { clock: () => t1 });
  expect(first.sent.telegram).toBe(1);
  expect(first.held).toBe(1);
  expect(await DeliveryModel.findOne({ channel: 'sms' }).lean()).toMatchObject({ status: 'pending', heldFor: 'quiet' });

  // The due date moves a day on: the held SMS of the old one is dropped when it comes due, the new one has its own.
  const moved = new Date(due.getTime() + 24 * 3600_000);
  await setDue(n, anna, moved);
  await DeliveryModel.updateOne({ channel: 'sms' }, { $set: { nextAttemptAt: t1 } });
  await PersonModel.updateOne({ _id: clara._id }, { $unset: { quietHours: '' } });
  const t2 = new Date(due.getTime() + 60_000);
  await sendNow(world, { clock: () => t2 });
  expect(await DeliveryModel.findOne({ channel: 'sms' }).lean()).toMatchObject({ status: 'skipped' });
  expect(world.sms.accepted).toHaveLength(0);
  expect(await ReminderModel.countDocuments()).toBe(1);
  const t3 = new Date(moved.getTime() - 2 * 3600_000 + 1_000);
  await sendNow(world, { clock: () => t3 });
  expect(await ReminderModel.find().sort({ at: 1 }).distinct('due')).toEqual([due, moved]);
  expect(world.sms.accepted).toHaveLength(1);

  // Done: the overdue moment passes, nothing is written.
  await edit(n, anna, 'status', 'done');
  await sendNow(world, { clock: () => new Date(moved.getTime() + 60_000) });
  expect(await ReminderModel.countDocuments()).toBe(2);
});

it('refuses a lead over 30 days, zero or negative, and changes nothing', async () => {
  const p = await assignee('Dan', ['email'], ['1d', '2h']);
  for (const words of [['31d'], ['0h'], ['-1h'], ['1d', 'soon']]) {
    await expect(setRemind(p._id, words)).rejects.toThrow(UserError);
  }
  expect((await PersonModel.findById(p._id).lean())!.remindLeads).toEqual(['1d', '2h']);
});
