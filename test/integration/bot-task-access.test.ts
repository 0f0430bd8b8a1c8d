/** Who may see and change a task, through the bot: private tasks, the change rule, observers, people by reference. */
import { ChangeModel, ObserverModel, PersonModel, TaskModel } from '../../src/db/models/index.js';
import { newTask, useTestBot, type TestUser } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';

useTestDatabase();
const ADMIN = 500;
const tb = useTestBot({ adminIds: [ADMIN], env: { REGISTRATION: 'open' } });

const ann = () => tb.user(1, 'Ann', 'ann');
const bob = () => tb.user(2, 'Bob Smith', 'bob');
const carl = () => tb.user(3, 'Carl', 'carl');
const boss = () => tb.user(ADMIN, 'Boss', 'boss');

const task = (n: number) => TaskModel.findOne({ number: n }).lean();
const personId = async (telegramId: number) => (await PersonModel.findOne({ telegramId }).lean())!._id;

/** What the bot answers about a task that does not exist, for task `n`. */
async function notFound(who: TestUser, n: number): Promise<string> {
  const reply = await who.say('/task 987654');
  expect(reply).toContain('987654');
  return reply.replaceAll('987654', String(n));
}

beforeAll(async () => {
  for (const u of [ann(), bob(), carl(), boss()]) await u.say('/start');
});

describe('changing a task', () => {
  it('refuses a member who is neither author nor assignee, naming the rule, and changes nothing', async () => {
    const n = await newTask(ann(), 'Ann’s task');
    const rule = `Менять задание #${n} могут только его автор, исполнитель или администратор`;
    for (const cmd of [`/edit ${n} title Mine now`, `/done ${n}`, `/edit ${n} assignee @bob`, `/edit ${n} private on`, `/edit ${n}`]) {
      expect(await bob().say(cmd)).toContain(rule);
    }
    expect(await bob().callback(`task:done:${n}`)).toContain(rule);
    expect(await bob().say('/edit')).toContain('Номер задания?');
    expect(await bob().say(String(n))).toContain(rule);
    await bob().say('/cancel');
    expect(await task(n)).toMatchObject({ title: 'Ann’s task', status: 'new', private: false, revision: 0 });
    expect((await task(n))!.assignee).toBeUndefined();
    expect(await ChangeModel.countDocuments({ taskNumber: n })).toBe(0);

    const eve = tb.user(8, 'Eve', 'eve');
    await eve.say('/lang en');
    expect(await eve.say(`/done ${n}`)).toContain(`Only the author, the assignee or an admin can change task #${n}`);
  });

  it('lets the assignee and an admin change it, and anyone who sees it comment and watch', async () => {
    const n = await newTask(ann(), 'Shared');
    await ann().say(`/edit ${n} assignee @carl`);
    expect(await carl().say(`/edit ${n} status в работе`)).toContain('«новое» → «в работе»');
    expect(await boss().say(`/edit ${n} priority high`)).toContain('«обычный» → «высокий»');
    expect(await bob().say(`/comment ${n} Can I help?`)).toContain(`Комментарий к заданию #${n} добавлен`);
    expect(await bob().say(`/watch ${n} telegram`)).toContain(`Вы наблюдаете за заданием #${n}`);
    expect(await task(n)).toMatchObject({ status: 'in_progress', priority: 'high', revision: 4 });
    // watching does not give the right to change
    expect(await bob().say(`/done ${n}`)).toContain(`Менять задание #${n} могут только`);
  });
});

describe('a private task', () => {
  let n: number;
  beforeAll(async () => {
    const reply = await ann().say('/newtask private Secret plan');
    expect(reply).toContain('приватное');
    n = Number(/Задание #(\d+) создано: «Secret plan»/.exec(reply)![1]);
    expect(await task(n)).toMatchObject({ private: true, title: 'Secret plan' });
    expect(await boss().say(`/observe ${n} @carl telegram`)).toContain(`Carl теперь наблюдает за заданием #${n}`);
  });

  it('is, for a member not in it, exactly like a task that does not exist, on every path', async () => {
    const missing = await notFound(bob(), n);
    const commands = [
      `/task ${n}`,
      `/observers ${n}`,
      `/watch ${n} telegram`,
      `/watch ${n}`,
      `/unwatch ${n}`,
      `/comment ${n} hello`,
      `/send ${n}`,
      `/edit ${n} title x`,
      `/done ${n}`,
      `/edit ${n} private off`,
    ];
    for (const cmd of commands) expect([cmd, await bob().say(cmd)]).toEqual([cmd, missing]);
    for (const data of [`task:view:${n}`, `task:observers:${n}`, `task:done:${n}`, `tw:chan:${n}`, `tw:unwatch:${n}`, `pick:${n}:4:save`]) {
      expect([data, await bob().callback(data)]).toEqual([data, missing]);
    }
    await bob().say('/task');
    expect(await bob().say(String(n))).toContain(missing);
    await bob().say('/cancel');
    expect(await bob().say('/tasks')).not.toContain(`#${n}`);

    expect(
      bob()
        .messages()
        .some((m) => m.text.includes('Secret plan')),
    ).toBe(false);
    expect(await ObserverModel.countDocuments({ taskNumber: n, person: await personId(2) })).toBe(0);
    expect(await ChangeModel.countDocuments({ taskNumber: n })).toBe(0);
  });

  it('is visible to its observer and to an admin; the observer comments but does not change it', async () => {
    const seen = await carl().say(`/task ${n}`);
    expect(seen).toContain('Secret plan');
    expect(seen).toContain('🔒 Приватное');
    expect(await carl().say('/tasks')).toContain(`#${n} Secret plan`);
    expect(await carl().say(`/observers ${n}`)).toContain('• Carl @carl — Telegram');
    expect(await carl().say(`/comment ${n} noted`)).toContain(`Комментарий к заданию #${n} добавлен`);
    expect(await carl().say(`/edit ${n} private off`)).toContain(`Менять задание #${n} могут только`);
    expect(await boss().say(`/task ${n}`)).toContain('Secret plan');
    expect(await boss().callback(`task:view:${n}`)).toContain('Secret plan');
    expect((await task(n))!.private).toBe(true);
  });

  it('is created step by step too, and the title "private" alone asks for the title', async () => {
    expect(await ann().say('/newtask private')).toContain('Как назвать задание?');
    const reply = await ann().say('Quiet one');
    const m = Number(/Задание #(\d+) создано: «Quiet one»/.exec(reply)![1]);
    expect(reply).toContain('приватное');
    expect(await task(m)).toMatchObject({ private: true, title: 'Quiet one' });
    expect(await bob().say(`/task ${m}`)).toBe(await notFound(bob(), m));
  });

  it('is opened and closed again by its author, and then seen or not by everyone else', async () => {
    expect(await ann().say(`/edit ${n} private off`)).toContain('«вкл.» → «выкл.»');
    expect(await bob().say(`/task ${n}`)).toContain('Secret plan');
    expect(await ann().say(`/edit ${n} private on`)).toContain('«выкл.» → «вкл.»');
    expect(await bob().say(`/task ${n}`)).toBe(await notFound(bob(), n));
    const changes = await ChangeModel.find({ taskNumber: n, 'fields.field': 'private' }).sort({ revision: 1 }).lean();
    expect(changes.map((c) => c.fields[0]!.to as unknown)).toEqual([false, true]);
  });
});

describe('people are named by @username or id', () => {
  it('asks which one when a bare word matches display names, listing their @usernames, and changes nothing', async () => {
    const n = await newTask(ann(), 'Who?');
    await tb.user(11, 'Ann', 'ann_l').say('/start');
    const asked = await ann().say(`/edit ${n} assignee ann`);
    expect(asked).toContain('не @username и не id');
    expect(asked).toContain('Ann @ann');
    expect(asked).toContain('Ann @ann_l');
    expect(await ann().say(`/edit ${n} assignee Bob Smith`)).toContain('Bob Smith @bob');
    expect(await ann().say(`/edit ${n} assignee nobody`)).toContain('Укажите человека так: @username или id');
    expect(await boss().say(`/observe ${n} carl telegram`)).toContain('Carl @carl');
    expect(await boss().say('/admin bob')).toContain('Bob Smith @bob');
    expect((await task(n))!.assignee).toBeUndefined();
    expect(await ChangeModel.countDocuments({ taskNumber: n })).toBe(0);
    expect(await ObserverModel.countDocuments({ taskNumber: n })).toBe(0);
    expect((await PersonModel.findOne({ telegramId: 2 }).lean())!.role).not.toBe('admin');

    expect(await ann().say(`/edit ${n} assignee @ann_l`)).toContain('«—» → «Ann»');
    expect(String((await task(n))!.assignee)).toBe(String(await personId(11)));
  });
});
