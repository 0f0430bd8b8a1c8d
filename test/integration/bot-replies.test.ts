/**
 * Answering a notification in Telegram (issue 23): the notifications come from a real dispatch worker
 * through the bot's own Bot API double (test/support/delivery-worker.ts), and people answer them as Telegram
 * delivers a reply (`reply_to_message`) or with the 💬 button. Each test checks what the person reads and
 * what was recorded, and what the other observers then get.
 */
import { ChangeModel, DeliveryModel, PersonModel } from '../../src/db/models/index.js';
import { newTask, useTestBot, type BotMessage, type TestUser } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { deliveryWorker } from '../support/delivery-worker.js';
import { confirmEmail } from '../support/contacts.js';

const db = useTestDatabase();
const ADMIN = 2300;
const worker = deliveryWorker(db);
const tb = useTestBot({ adminIds: [ADMIN], delivery: worker.delivery, env: { REGISTRATION: 'open' } });
worker.use(tb);

let nextId = 2310;
async function member(name: string): Promise<TestUser> {
  const u = tb.user(nextId++, name, name.toLowerCase());
  await u.say('/start');
  return u;
}
/** The admin: authors the tasks and sends at once (no /send cooldown). */
const boss = () => tb.user(ADMIN, 'Boss', 'boss');

beforeAll(async () => {
  await boss().say('/start');
});

/** The newest notification in `u`'s chat that starts with `#n «` (one task) or holds `#n «` (a digest). */
function notification(u: TestUser, n: number): BotMessage {
  const m = u
    .messages()
    .filter((x) => x.text.includes(`#${n} «`))
    .at(-1);
  if (!m) throw new Error(`no notification of #${n} in the chat of ${u.id}`);
  return m;
}

/** A new member watching a new task by Telegram, notified of one change of it. */
async function watcherNotified(name: string, title: string): Promise<{ user: TestUser; n: number }> {
  const user = await member(name);
  const n = await newTask(boss(), title);
  await user.say(`/watch ${n} telegram`);
  await boss().say(`/edit ${n} status review`);
  await boss().say(`/send ${n}`);
  return { user, n };
}

/** Comments recorded on task `n`, oldest first: who wrote them (Telegram id), the text, whether they are held. */
async function comments(n: number): Promise<Array<{ by: number | undefined; text: string; held: boolean }>> {
  const list = await ChangeModel.find({ taskNumber: n, 'fields.field': 'comment' }).sort({ revision: 1 }).lean();
  const people = await PersonModel.find({ _id: { $in: list.map((c) => c.actor) } }, { telegramId: 1 }).lean();
  const idOf = new Map(people.map((p) => [String(p._id), p.telegramId]));
  return list.map((c) => ({ by: idOf.get(String(c.actor)), text: String(c.fields[0]?.to), held: c.holdUntil != null }));
}

/** Lets the undo window of task `n`'s held comments pass (the test's stand-in for three minutes). */
async function windowPasses(n: number): Promise<void> {
  const past = new Date(Date.now() - 1000);
  const held = await ChangeModel.find({ taskNumber: n, holdUntil: { $exists: true } }, { _id: 1 }).lean();
  await ChangeModel.updateMany({ _id: { $in: held.map((c) => c._id) } }, { $set: { holdUntil: past } });
  await DeliveryModel.updateMany({ change: { $in: held.map((c) => c._id) }, status: 'pending' }, { $set: { nextAttemptAt: past } });
}

it('a reply to a notification is a comment by its writer: confirmed in one line, held while it can be undone, then sent to the others only', async () => {
  const bob = await member('Bob');
  const carl = await member('Carl');
  expect(await confirmEmail(carl, 'carl@example.org', worker.sink)).toContain('carl@example.org');
  const n = await newTask(boss(), 'Quarterly report');
  await bob.say(`/watch ${n} telegram`);
  await carl.say(`/watch ${n} email telegram`);
  await boss().say(`/edit ${n} status in_progress`);
  await boss().say(`/send ${n}`);
  const note = notification(bob, n);
  expect(note.buttons.map((b) => b.text)).toEqual([`📋 #${n}`, `🔕 #${n}`, `⚙️ #${n}`, `💬 #${n}`]);

  const answer = await bob.reply(note.id, 'Numbers are in, see the shared folder');
  expect(answer).toBe(`Комментарий к заданию #${n} добавлен; наблюдатели получат его через 3 мин, до тех пор его можно отменить.`);
  expect(bob.last()!.buttons.map((b) => b.text)).toEqual(['↩️ Отменить']);
  expect(await comments(n)).toEqual([{ by: bob.id, text: 'Numbers are in, see the shared folder', held: true }]);

  // Within the window a run sends nothing of it.
  const lettersBefore = worker.sink.messages.filter((m) => m.text?.includes('Numbers are in')).length;
  await boss().say(`/send ${n}`);
  expect(worker.sink.messages.filter((m) => m.text?.includes('Numbers are in'))).toHaveLength(lettersBefore);

  await windowPasses(n);
  const bobBefore = bob.messages().length;
  await boss().say(`/send ${n}`);
  expect(worker.sink.messages.filter((m) => m.to.includes('carl@example.org') && m.text?.includes('Numbers are in'))).toHaveLength(1);
  expect(notification(carl, n).text).toContain('Numbers are in');
  expect(notification(carl, n).text).toContain('Bob');
  // The writer hears nothing of their own comment.
  expect(
    bob
      .messages()
      .slice(bobBefore)
      .filter((m) => m.text.includes('Numbers are in')),
  ).toEqual([]);
});

it('undo takes the comment back before anyone got it; a second press says it is gone', async () => {
  const dora = await member('Dora');
  const eve = await member('Eve');
  const n = await newTask(boss(), 'Undo me');
  await dora.say(`/watch ${n} telegram`);
  await eve.say(`/watch ${n} telegram`);
  await boss().say(`/edit ${n} priority high`);
  await boss().say(`/send ${n}`);

  await dora.reply(notification(dora, n).id, 'Oops, wrong task');
  const confirmation = dora.last()!;
  expect(await dora.press('Отменить')).toBe(`Комментарий к заданию #${n} отменён: его никто не получил.`);
  expect(dora.messages().find((m) => m.id === confirmation.id)!.buttons).toEqual([]);
  expect(await comments(n)).toEqual([]);

  await windowPasses(n);
  await boss().say(`/send ${n}`);
  expect(eve.messages().filter((m) => m.text.includes('Oops'))).toEqual([]);
  expect(await dora.callback(confirmation.buttons[0]?.data ?? `tw:undo:${'0'.repeat(24)}`, confirmation.id)).toBe(
    'Этого комментария уже нет: отменять нечего.',
  );
});

it('someone who may no longer see the task is told there is no such task, and nothing is added', async () => {
  const fay = await member('Fay');
  const n = await newTask(boss(), 'Salary review');
  await fay.say(`/watch ${n} telegram`);
  await boss().say(`/edit ${n} title Salary review 2027`);
  await boss().say(`/send ${n}`);
  const note = notification(fay, n);
  await boss().say(`/unobserve ${n} @fay`);
  await boss().say(`/edit ${n} private on`);

  expect(await fay.reply(note.id, 'What about me?')).toBe(`Задания #${n} нет. Ваши задания: /tasks`);
  expect(await comments(n)).toEqual([]);
});

it('a photo, or a text over the limit, is refused with a clear line and adds nothing', async () => {
  const { user: gus, n } = await watcherNotified('Gus', 'Pictures');
  const note = notification(gus, n);

  expect(await gus.reply(note.id, 'see the photo', { photo: true })).toBe(
    'Комментарий может быть только текстом: фото, файлы и голосовые сообщения не добавляются. Ответьте на оповещение текстом. Ничего не добавлено.',
  );
  expect(await gus.reply(note.id, 'x'.repeat(2500))).toMatch(/2000/);
  expect(await comments(n)).toEqual([]);
});

it('a reply to a digest of several tasks asks which task, and the answer goes to the one pressed', async () => {
  const hal = await member('Hal');
  const a = await newTask(boss(), 'First of two');
  const b = await newTask(boss(), 'Second of two');
  await hal.say(`/watch ${a} telegram`);
  await hal.say(`/watch ${b} telegram`);
  await boss().say(`/edit ${a} status in_progress`);
  await boss().say(`/edit ${b} status in_progress`);
  await boss().say('/send');
  const digest = notification(hal, a);
  expect(digest.text).toContain(`#${b} «`);

  expect(await hal.reply(digest.id, 'Both look fine to me')).toBe('Это оповещение о нескольких заданиях. К какому из них ваш комментарий?');
  expect(hal.last()!.buttons.map((x) => x.text)).toEqual([`💬 #${a}`, `💬 #${b}`]);
  expect(await hal.press(`💬 #${b}`)).toMatch(new RegExp(`^Комментарий к заданию #${b} добавлен`));
  expect(await comments(b)).toEqual([{ by: hal.id, text: 'Both look fine to me', held: true }]);
  expect(await comments(a)).toEqual([]);
  // The draft is used once.
  expect(await hal.callback(`tw:to:${a}`)).toBe('Текст комментария уже не найден: ответьте на оповещение ещё раз.');
});

it('the 💬 button asks for the text and adds it the same way; a reply to a message that is no notification is not a comment', async () => {
  const { user: ivy, n } = await watcherNotified('Ivy', 'Button');

  expect(await ivy.press(`💬 #${n}`)).toContain(`Комментарий к заданию #${n} (ответьте текстом):`);
  expect(await ivy.say('Checked, all good')).toMatch(new RegExp(`^Комментарий к заданию #${n} добавлен`));
  expect(await comments(n)).toEqual([{ by: ivy.id, text: 'Checked, all good', held: true }]);

  const help = await ivy.send('/help');
  expect(await ivy.reply(help.replies[0]!.id, 'thanks')).toBe('Напишите команду, например /help — список всего, что я умею.');
  expect(await comments(n)).toHaveLength(1);
});
