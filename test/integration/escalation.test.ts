/**
 * Escalation (`/escalate high 15`): a change to a task of that priority goes by Telegram at once, with a
 * "👍 Seen" button; the SMS of a person who also gets Telegram waits the minutes and goes only if they did not
 * see the task; without Telegram it goes at once. Runs with a controllable clock, by the run's own code.
 */
import { DeliveryModel, PersonModel, SettingsModel } from '../../src/db/models/index.js';
import { executeRequestedRuns } from '../../src/scheduler/dispatch-job.js';
import { requestRun, waitForRun } from '../../src/delivery/runs.js';
import { MetricsRecorder } from '../../src/delivery/metrics.js';
import { queue } from '../../src/delivery/service.js';
import { markSeen, markSeenByNumber, saveEscalation } from '../../src/services/reminders.js';
import { UserError } from '../../src/domain/errors.js';
import { requireTask } from '../../src/services/tasks.js';
import { createLogger } from '../../src/logger.js';
import { useTestDatabase } from '../support/db.js';
import { edit, makePerson, makeTask, sendNow, useWorld } from '../support/world.js';

useTestDatabase();
const world = useWorld();

type Keyboard = Array<Array<{ text: string; callback_data: string }>>;
function keyboardsTo(chatId: number): Keyboard[] {
  return world.telegram.storage.botMessages
    .map((m) => m.message as unknown as { chat_id: number | string; reply_markup?: { inline_keyboard: Keyboard } })
    .filter((m) => Number(m.chat_id) === chatId)
    .map((m) => m.reply_markup?.inline_keyboard ?? []);
}

it('SMS waits for the minutes and is saved when the person saw the task; without Telegram it goes at once', async () => {
  await saveEscalation(['high', '15']);
  const anna = await makePerson({ name: 'Anna' });
  const clara = await makePerson({ name: 'Clara', phone: '+79120000101' });
  const eve = await makePerson({ name: 'Eve', phone: '+79120000102' });
  const dan = await makePerson({ name: 'Dan', phone: '+79120000103' });
  const n = await makeTask(anna, 'Server down', [
    [clara, ['sms', 'telegram']],
    [eve, ['sms', 'telegram']],
    [dan, ['sms']],
  ]);
  const { change } = await edit(n, anna, 'priority', 'high');
  const t0 = change.at;

  const first = await sendNow(world, { clock: () => t0 });
  expect(first.sent).toMatchObject({ telegram: 2, sms: 1 });
  expect(world.sms.accepted.map((s) => s.to)).toEqual(['79120000103']);
  const held = await DeliveryModel.find({ channel: 'sms', status: 'pending' }).lean();
  expect(held.map((d) => [d.heldFor, d.nextAttemptAt.getTime() - t0.getTime()])).toEqual([
    ['escalation', 15 * 60_000],
    ['escalation', 15 * 60_000],
  ]);
  // The Telegram message carries the Seen button, in the person's words, above the task's buttons.
  expect(keyboardsTo(clara.telegramId)[0]![0]).toEqual([{ text: '👍 Видел', callback_data: `tw:seen:${n}` }]);
  expect((await queue(t0)).escalation).toBe(2);

  // Clara presses Seen; Eve does not. Fourteen minutes on, nothing more goes.
  await markSeenByNumber(n, { id: clara._id, admin: false }, new Date(t0.getTime() + 60_000));
  await sendNow(world, { clock: () => new Date(t0.getTime() + 14 * 60_000) });
  expect(world.sms.accepted).toHaveLength(1);

  const metrics = new MetricsRecorder();
  const id = await requestRun({ trigger: 'schedule' });
  await executeRequestedRuns({
    config: world.config,
    logger: createLogger('silent'),
    secrets: world.secrets,
    clock: () => new Date(t0.getTime() + 15 * 60_000),
    metrics,
  });
  await waitForRun(id, { timeoutMs: 30_000 });
  expect(world.sms.accepted.map((s) => s.to)).toEqual(['79120000103', '79120000102']);
  expect(await DeliveryModel.findOne({ person: clara._id, channel: 'sms' }).lean()).toMatchObject({ status: 'skipped' });
  expect(metrics.take()!.deliveries).toEqual(expect.arrayContaining([{ channel: 'sms', outcome: 'saved', count: 1 }]));
  const q = await queue(new Date(t0.getTime() + 15 * 60_000));
  expect(q).toMatchObject({ escalation: 0, savedByEscalation: 1, dropped: 0 });
});

it('seen before the change does not count; Telegram unreachable or another priority: SMS at once', async () => {
  await saveEscalation(['urgent', '5']);
  const anna = await makePerson({ name: 'Anna' });
  const clara = await makePerson({ name: 'Clara', phone: '+79120000201' });
  const eve = await makePerson({ name: 'Eve', phone: '+79120000202' });
  await PersonModel.updateOne({ _id: eve._id }, { $set: { telegramUnreachableAt: new Date() } });
  const n = await makeTask(anna, 'Outage', [
    [clara, ['sms', 'telegram']],
    [eve, ['sms', 'telegram']],
  ]);
  await markSeen(clara._id, (await requireTask(n))._id, new Date(Date.now() - 60_000));
  const { change: high } = await edit(n, anna, 'priority', 'high');
  await sendNow(world, { clock: () => high.at });
  // `high` does not escalate (only `urgent` does): both SMS at once.
  expect(world.sms.accepted.map((s) => s.to).sort()).toEqual(['79120000201', '79120000202']);

  const { change: urgent } = await edit(n, anna, 'priority', 'urgent');
  await sendNow(world, { clock: () => urgent.at });
  // Eve cannot be reached by Telegram: at once. Clara's waits, and her Seen from before the change does not count.
  expect(world.sms.accepted.map((s) => s.to)).toHaveLength(3);
  await sendNow(world, { clock: () => new Date(urgent.at.getTime() + 5 * 60_000) });
  expect(world.sms.accepted.filter((s) => s.to === '79120000201')).toHaveLength(2);
});

it('/escalate refuses an unknown priority and minutes outside 1–1440, changing nothing; off removes one', async () => {
  await saveEscalation(['high', '15']);
  for (const words of [['highest', '15'], ['high', '0'], ['high', '1441'], ['high']]) {
    await expect(saveEscalation(words)).rejects.toThrow(UserError);
  }
  expect((await SettingsModel.findById('global').lean())!.escalation).toMatchObject({ high: 15 });
  expect(await saveEscalation(['high', 'off'])).toEqual({});
});
