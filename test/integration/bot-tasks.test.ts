/** Tasks and observers through the bot: one-line commands, conversations, buttons, and what the database holds. */
import { ChangeModel, ObserverModel, PersonModel, TaskModel } from '../../src/db/models/index.js';
import { newTask, useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { confirmEmail, confirmPhone, useCodeChannels } from '../support/contacts.js';

useTestDatabase();
const ADMIN = 200;
const tb = useTestBot({ adminIds: [ADMIN], env: { REGISTRATION: 'open' } });
const codes = useCodeChannels(tb);

const ann = () => tb.user(1, 'Ann', 'ann');
const bob = () => tb.user(2, 'Bob Smith', 'bob');
const boss = () => tb.user(ADMIN, 'Boss', 'boss');

async function observerOf(n: number, telegramId: number) {
  const p = await PersonModel.findOne({ telegramId }).lean();
  return ObserverModel.findOne({ taskNumber: n, person: p!._id }).lean();
}

beforeAll(async () => {
  await ann().say('/start');
  await bob().say('/start');
  await boss().say('/start');
});

describe('tasks', () => {
  it('creates a task with the sender as author and answers with its number', async () => {
    const n = await newTask(ann(), 'Подготовить отчёт');
    const task = await TaskModel.findOne({ number: n }).lean();
    const author = await PersonModel.findOne({ telegramId: 1 }).lean();
    expect(task).toMatchObject({ title: 'Подготовить отчёт', status: 'new', priority: 'normal', revision: 0 });
    expect(String(task!.author)).toBe(String(author!._id));
    expect(await newTask(ann(), 'Second')).toBe(n + 1);
  });

  it('refuses an oversize title and an empty one', async () => {
    const before = await TaskModel.countDocuments();
    expect(await ann().say(`/newtask ${'x'.repeat(201)}`)).toContain('длиннее 200 символов');
    expect(await TaskModel.countDocuments()).toBe(before);
    expect(await ann().say('/newtask')).toContain('Как назвать задание?');
    expect(await ann().say('Из разговора')).toMatch(/Задание #\d+ создано: «Из разговора»/);
  });

  it('records each edit as one Change with who, from and to', async () => {
    const n = await newTask(ann(), 'Edit me');
    expect(await ann().say(`/edit ${n} status в работе`)).toContain(`Задание #${n}: статус «новое» → «в работе»`);
    expect(await ann().say(`/edit ${n} priority high`)).toContain('«обычный» → «высокий»');
    expect(await ann().say(`/edit ${n} title Edited title`)).toContain('«Edit me» → «Edited title»');
    expect(await ann().say(`/edit ${n} description Line one\nline two`)).toContain('Line one\nline two');
    expect(await ann().say(`/edit ${n} assignee @bob`)).toContain('«—» → «Bob Smith»');
    expect(await ann().say(`/edit ${n} assignee @ann`)).toContain('«Bob Smith» → «Ann»');
    expect(await ann().say(`/edit ${n} assignee 2`)).toContain('«Ann» → «Bob Smith»'); // a Telegram id

    const task = await TaskModel.findOne({ number: n }).lean();
    expect(task).toMatchObject({ status: 'in_progress', priority: 'high', title: 'Edited title', revision: 7 });
    const changes = await ChangeModel.find({ taskNumber: n }).sort({ revision: 1 }).lean();
    expect(changes.map((c) => c.revision)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(changes[0]!.fields).toEqual([{ field: 'status', from: 'new', to: 'in_progress' }]);
    const annId = (await PersonModel.findOne({ telegramId: 1 }).lean())!._id;
    const bobId = (await PersonModel.findOne({ name: 'Bob Smith' }).lean())!._id;
    // The assignee is stored as the person's id, so each recipient reads their current name.
    expect(changes[4]!.fields).toEqual([{ field: 'assignee', from: null, to: String(bobId) }]);
    expect(changes[5]!.fields).toEqual([{ field: 'assignee', from: String(bobId), to: String(annId) }]);
    expect(changes.every((c) => String(c.actor) === String(annId))).toBe(true);
  });

  it('reads due dates in the person’s time zone', async () => {
    const n = await newTask(ann(), 'Due');
    await ann().say('/tz Asia/Vladivostok');
    expect(await ann().say(`/edit ${n} due 25.12.2026 18:00`)).toContain('25.12.2026 18:00');
    const task = await TaskModel.findOne({ number: n }).lean();
    expect(task!.due!.toISOString()).toBe('2026-12-25T08:00:00.000Z');
    expect(await ann().say(`/edit ${n} due 2026-12-31`)).toContain('«25.12.2026 18:00» → «31.12.2026»');
    expect(await ann().say(`/edit ${n} due +3d`)).toContain(`Задание #${n}: срок`);
    expect(await ann().say(`/edit ${n} due off`)).toContain('→ «—»');
    expect((await TaskModel.findOne({ number: n }).lean())!.due).toBeUndefined();
    // The Change keeps the instants, so recipients elsewhere read the date in their own zone.
    const [first, , , off] = await ChangeModel.find({ taskNumber: n, 'fields.field': 'due' }).sort({ revision: 1 }).lean();
    expect(first!.fields[0]).toEqual({ field: 'due', from: null, to: new Date('2026-12-25T08:00:00.000Z') });
    expect(off!.fields[0]).toMatchObject({ to: null });
    await ann().say('/tz Europe/Moscow');
  });

  it('refuses bad edits and changes nothing', async () => {
    const n = await newTask(ann(), 'Bad edits');
    const cases: Array<[string, string]> = [
      [`/edit ${n} colour red`, 'Поля «colour» нет'],
      [`/edit ${n} due 31.02.2026`, 'не дата'],
      [`/edit ${n} status almost`, 'Такого статуса нет'],
      [`/edit ${n} priority 5`, 'Такого приоритета нет'],
      [`/edit ${n} assignee @ghost`, 'Не нашёл человека «@ghost»'],
      [`/edit 9999 status done`, 'Задания #9999 нет'],
      [`/edit abc status done`, '«abc» — не номер задания'],
      [`/edit ${n} status new`, 'уже такое'],
      [`/comment ${n} ${'y'.repeat(2001)}`, 'длиннее 2000 символов'],
    ];
    for (const [cmd, expected] of cases) expect(await ann().say(cmd)).toContain(expected);
    expect(await ChangeModel.countDocuments({ taskNumber: n })).toBe(0);
    expect((await TaskModel.findOne({ number: n }).lean())!.revision).toBe(0);
  });

  it('marks done and adds comments', async () => {
    const n = await newTask(ann(), 'Finish me');
    await ann().say(`/edit ${n} assignee @bob`);
    expect(await bob().say(`/done ${n}`)).toContain('«новое» → «выполнено»');
    expect(await bob().say(`/comment ${n} Сделано, проверьте`)).toContain(`Комментарий к заданию #${n} добавлен`);
    const last = await ChangeModel.findOne({ taskNumber: n, revision: 3 }).lean();
    expect(last!.fields).toEqual([{ field: 'comment', to: 'Сделано, проверьте' }]);
  });

  it('edits through a conversation with buttons, and a cancelled one saves nothing', async () => {
    const n = await newTask(ann(), 'Conversational');
    expect(await ann().say('/edit')).toContain('Номер задания?');
    expect(await ann().press(`#${n}`)).toContain('Что изменить?');
    expect(await ann().press('статус')).toContain('Новый статус');
    expect(await ann().press('на проверке')).toContain('«новое» → «на проверке»');
    expect((await TaskModel.findOne({ number: n }).lean())!.status).toBe('review');

    await ann().say(`/edit ${n}`);
    await ann().press('приоритет');
    expect(await ann().say('/cancel')).toContain('Ничего не сохранено');
    expect((await TaskModel.findOne({ number: n }).lean())!.priority).toBe('normal');
    expect(await ChangeModel.countDocuments({ taskNumber: n })).toBe(1);
  });

  it('lists the tasks a person takes part in and shows one in full', async () => {
    const n = await newTask(ann(), 'Mine');
    await ann().say(`/edit ${n} assignee @bob`);
    const list = await bob().say('/tasks');
    expect(list).toContain(`#${n} Mine — новое (исполнитель)`);
    const full = await bob().say(`/task ${n}`);
    expect(full).toContain(`Задание #${n}: Mine`);
    expect(full).toContain('Автор: Ann');
    expect(full).toContain('Исполнитель: Bob Smith');
    expect(full).toContain('Последние изменения');
    expect(
      bob()
        .last()!
        .buttons.map((b) => b.data),
    ).toContain(`tw:chan:${n}`);
    expect(await tb.user(7, 'New', 'new').say('/tasks')).toContain('нет заданий');
  });
});

describe('observers', () => {
  it('watches on the channels named, and refuses a channel without an address, saying how to add it', async () => {
    const n = await newTask(ann(), 'Watch me');
    const refused = await bob().say(`/watch ${n} email sms`);
    expect(refused).toContain('нет адреса');
    expect(refused).toContain('/email ivan@example.org');
    expect(await observerOf(n, 2)).toBeNull();

    await confirmEmail(bob(), 'bob@example.org', codes.sink);
    expect(await bob().say(`/watch ${n} email sms`)).toContain('нет телефона. Добавьте его: /phone');
    await confirmPhone(bob(), '+79123456789', codes.sms);
    expect(await bob().say(`/watch ${n} email sms`)).toContain(`Вы наблюдаете за заданием #${n} «Watch me»: e-mail, SMS`);
    expect((await observerOf(n, 2))!.channels).toEqual(['email', 'sms']);

    expect(await bob().say(`/watch ${n} telegram`)).toContain(': Telegram.');
    expect((await observerOf(n, 2))!.channels).toEqual(['telegram']);
    expect(await ObserverModel.countDocuments({ taskNumber: n })).toBe(1);
    expect(await bob().say(`/watch ${n} pigeon`)).toContain('Канала «pigeon» нет');
  });

  it('picks channels with buttons when none is named', async () => {
    const n = await newTask(ann(), 'Pick');
    expect(await bob().say(`/watch ${n}`)).toContain('как оповещать вас?');
    await bob().press('e-mail');
    await bob().press('✓ Telegram'); // off
    expect(await bob().press('Сохранить')).toContain(`Вы наблюдаете за заданием #${n} «Pick»: e-mail.`);
    expect((await observerOf(n, 2))!.channels).toEqual(['email']);
  });

  it('handles the buttons under notifications: tw:chan shows the picker, tw:unwatch stops watching', async () => {
    const n = await newTask(ann(), 'Notified');
    await bob().say(`/watch ${n} telegram`);
    expect(await bob().callback(`tw:chan:${n}`)).toContain(`Задание #${n} «Notified»: как оповещать вас?`);
    expect(await bob().callback(`tw:unwatch:${n}`)).toContain(`Вы больше не наблюдаете за заданием #${n}`);
    expect(await observerOf(n, 2)).toBeNull();
    expect(await bob().callback(`tw:unwatch:${n}`)).toContain('и не наблюдали');
  });

  it('lists observers and unwatches', async () => {
    const n = await newTask(ann(), 'Observed');
    await bob().say(`/watch ${n} email`);
    await ann().say(`/watch ${n} telegram`);
    const list = await ann().say(`/observers ${n}`);
    expect(list).toContain(`Наблюдатели задания #${n} «Observed»`);
    expect(list).toContain('• Ann @ann — Telegram');
    expect(list).toContain('• Bob Smith @bob — e-mail');
    expect(await bob().say(`/unwatch ${n}`)).toContain('больше не наблюдаете');
    expect(await ann().say(`/observers ${n}`)).not.toContain('Bob');
    expect(await ann().say('/observers 9999')).toContain('Задания #9999 нет');
  });

  it('lets an admin add and remove someone else as an observer; refuses everyone else', async () => {
    const n = await newTask(ann(), 'Admin adds');
    expect(await ann().say(`/observe ${n} @bob sms`)).toContain('только для администраторов');
    expect(await observerOf(n, 2)).toBeNull();

    const carl = tb.user(3, 'Carl', 'carl');
    await carl.say('/start');
    const refused = await boss().say(`/observe ${n} @carl sms`);
    expect(refused).toContain('нет телефона');
    expect(refused).toContain('/phone @carl');

    expect(await boss().say(`/observe ${n} @bob sms`)).toContain(`Bob Smith теперь наблюдает за заданием #${n}: SMS`);
    const obs = await observerOf(n, 2);
    const bossId = (await PersonModel.findOne({ telegramId: ADMIN }).lean())!._id;
    expect(obs).toMatchObject({ channels: ['sms'] });
    expect(String(obs!.addedBy)).toBe(String(bossId));

    expect(await boss().say(`/unobserve ${n} @bob`)).toContain('больше не наблюдает');
    expect(await observerOf(n, 2)).toBeNull();
  });

  it('asks an admin step by step for /observe', async () => {
    const n = await newTask(ann(), 'Step by step');
    await boss().say('/observe');
    expect(await boss().say(String(n))).toContain('Кого?');
    expect(await boss().say('@bob')).toContain('Какие каналы?');
    expect(await boss().press('Telegram')).toContain(`Bob Smith теперь наблюдает за заданием #${n}: Telegram`);
  });
});

describe('English', () => {
  it('speaks English to a person who chose it', async () => {
    const en = tb.user(8, 'Eve', 'eve');
    await en.say('/lang en');
    const created = await en.say('/newtask Prepare the report');
    expect(created).toMatch(/Task #\d+ created: "Prepare the report"/);
    const n = Number(/#(\d+)/.exec(created)![1]);
    expect(await en.say(`/edit ${n} status in progress`)).toContain(`Task #${n}: status "new" → "in progress"`);
    expect(await en.say(`/watch ${n} sms`)).toContain('You have no phone for SMS notifications');
    expect(await en.say('/edit 9999 status done')).toContain('There is no task #9999');
  });
});
