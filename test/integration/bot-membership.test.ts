/**
 * Who may use the bot (REGISTRATION=request, the default): a stranger learns nothing and changes nothing;
 * invite links; join requests; /members and /remove; group chats.
 */
import {
  ChangeModel,
  DeliveryModel,
  InviteModel,
  InviteUseModel,
  ObserverModel,
  PersonModel,
  SessionModel,
  TaskModel,
} from '../../src/db/models/index.js';
import { planPendingChanges } from '../../src/delivery/planning.js';
import { useTestBot, type TestUser } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';

useTestDatabase();
const ADMIN = 100;
const ADMIN2 = 101;
const tb = useTestBot({ adminIds: [ADMIN, ADMIN2] });

const HOW_TO_JOIN = 'Этот бот — для участников команды';
/** What a stranger must never see: the seeded task, people and contacts. */
const SECRETS = ['Quarterly report', 'Boss', 'Alice', 'alice@example.org', 'boss@example.org', '+79123456789', '912'];

let boss: TestUser;
let alice: TestUser;

/** An invite link from `/invite …` by `who`, and its code. */
async function invite(who: TestUser, args = ''): Promise<{ reply: string; code: string }> {
  const reply = await who.say(`/invite ${args}`.trim());
  const m = /https:\/\/t\.me\/TestNameBot\?start=([A-Za-z0-9_-]+)/.exec(reply);
  if (!m) throw new Error(`no invite link in: ${reply}`);
  return { reply, code: m[1]! };
}

const person = (telegramId: number) => PersonModel.findOne({ telegramId }).lean();

beforeAll(async () => {
  // A team with a task, contacts and an observer, made through the bot.
  boss = tb.user(ADMIN, 'Boss', 'boss');
  await boss.say('/start');
  await boss.say('/email boss@example.org');
  const { code } = await invite(boss);
  alice = tb.user(2, 'Alice', 'alice');
  expect(await alice.say(`/start ${code}`)).toContain('Добро пожаловать в команду');
  await alice.say('/email alice@example.org');
  await alice.say('/phone +7 912 345-67-89');
  expect(await alice.say('/newtask Quarterly report')).toContain('#1');
  await alice.say('/watch 1 telegram');
});

describe('a stranger', () => {
  it('gets only "how to join" for every command and message, and nothing is stored or changed', async () => {
    const stranger = tb.user(66, 'Mallory', 'mallory');
    const before = {
      task: JSON.stringify(await TaskModel.find().lean()),
      observers: await ObserverModel.countDocuments(),
      changes: await ChangeModel.countDocuments(),
      people: await PersonModel.countDocuments(),
    };
    const commands = [
      '/help',
      '/me',
      '/email m@example.org',
      '/phone +7 809 123-45-67',
      '/tz Europe/London',
      '/quiet 22:00-08:00',
      '/lang en',
      '/newtask Evil',
      '/tasks',
      '/task 1',
      '/task',
      '1',
      '/edit 1 title x',
      '/done 1',
      '/comment 1 hi',
      '/watch 1 telegram',
      '/watch 1',
      '/unwatch 1',
      '/observers 1',
      '/people',
      '/send',
      '/send 1',
      '/send dry',
      '/cancel',
      '/observe 1 @mallory sms',
      '/unobserve 1 @alice',
      '/admin @mallory',
      '/smtp',
      '/smtp smtps://a:b@smtp.example.org:465 "X <x@example.org>"',
      '/sms',
      '/template sms',
      '/schedule off',
      '/queue',
      '/invite',
      '/invite list',
      '/members',
      '/remove @alice',
      '/start not-a-valid-code',
      'hello',
    ];
    for (const text of commands) {
      const reply = await stranger.say(text);
      expect(reply).toContain(HOW_TO_JOIN);
      for (const s of SECRETS) expect(reply).not.toContain(s);
    }
    const aliceId = String((await person(2))!._id);
    for (const data of [
      'task:view:1',
      'task:done:1',
      'tw:unwatch:1',
      'tw:chan:1',
      'task:observers:1',
      'pick:1:4:save',
      'ask:1',
      'cancel',
      `join:ok:${aliceId}`,
    ]) {
      // A button press gets a short answer on the button and nothing in the chat.
      expect(await stranger.callback(data, 1)).toBe('');
    }
    for (const m of stranger.messages()) for (const s of SECRETS) expect(m.text).not.toContain(s);
    expect(JSON.stringify(await TaskModel.find().lean())).toBe(before.task);
    expect(await ObserverModel.countDocuments()).toBe(before.observers);
    expect(await ChangeModel.countDocuments()).toBe(before.changes);
    // Nothing but /start creates a person, and not even a session.
    expect(await PersonModel.countDocuments()).toBe(before.people);
    expect(await person(66)).toBeNull();
    expect(await SessionModel.countDocuments({ _id: { $regex: '^66:' } })).toBe(0);
    expect((await person(2))!.role).toBe('member');
  });
});

describe('invite links', () => {
  it('admits as many people as it allows, then answers "how to join" and changes nothing', async () => {
    const { reply, code } = await invite(boss, '2 3');
    expect(reply).toContain('на 2 чел.');
    expect(code.length).toBeGreaterThanOrEqual(22);
    // Stored hashed: the code is nowhere in the database.
    expect(JSON.stringify(await InviteModel.find().lean())).not.toContain(code);

    expect(await tb.user(10, 'Ten', 'ten').say(`/start ${code}`)).toContain('Добро пожаловать в команду');
    expect(await tb.user(11, 'Eleven', 'eleven').say(`/start ${code}`)).toContain('Добро пожаловать в команду');
    const late = tb.user(12, 'Twelve', 'twelve');
    expect(await late.say(`/start ${code}`)).toContain(HOW_TO_JOIN);
    expect(await person(12)).toBeNull();
    expect((await person(10))!.role).toBe('member');
    expect((await person(11))!.role).toBe('member');
    // A member who opens a link again is simply greeted; the link is not used up by it.
    expect(await tb.user(10, 'Ten', 'ten').say(`/start ${code}`)).toContain('Здравствуйте, Ten');
    expect(await tb.user(10, 'Ten', 'ten').say('/task 1')).toContain('Quarterly report');
  });

  it('counts uses exactly when several people open the last one at once', async () => {
    const { code } = await invite(boss, '1');
    const number = (await InviteModel.findOne().sort({ number: -1 }).lean())!.number;
    const { redeemInvite } = await import('../../src/services/membership.js');
    const defaults = { adminIds: [], defaultTimezone: 'Europe/Moscow', defaultLanguage: 'ru' as const };
    const results = await Promise.all([20, 21, 22, 23, 24].map((id) => redeemInvite(code, { telegramId: id, name: `P${id}` }, defaults)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await InviteUseModel.countDocuments({ invite: number })).toBe(1);
    expect(await PersonModel.countDocuments({ telegramId: { $gte: 20, $lte: 24 } })).toBe(1);
  });

  it('does not admit with an expired or a revoked link', async () => {
    const expired = await invite(boss, '5 1');
    const n = (await InviteModel.findOne().sort({ number: -1 }).lean())!.number;
    // A day later, as far as the invite is concerned.
    await InviteModel.updateOne({ number: n }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await tb.user(30, 'Thirty', 'thirty').say(`/start ${expired.code}`)).toContain(HOW_TO_JOIN);

    const revoked = await invite(boss, '5');
    const m = (await InviteModel.findOne().sort({ number: -1 }).lean())!.number;
    const list = await boss.say('/invite list');
    expect(list).toContain(`#${m}: осталось 5 из 5`);
    expect(list).toContain('создал(а) Boss');
    expect(list).not.toContain(revoked.code);
    expect(list).not.toContain(`#${n}:`);
    expect(await boss.say(`/invite revoke ${m}`)).toContain(`Приглашение #${m} отозвано`);
    expect(await boss.say('/invite list')).not.toContain(`#${m}:`);
    expect(await tb.user(31, 'ThirtyOne', 'thirtyone').say(`/start ${revoked.code}`)).toContain(HOW_TO_JOIN);
    expect(await PersonModel.countDocuments({ telegramId: { $in: [30, 31] } })).toBe(0);
  });

  it('refuses bad numbers, and is for admins only', async () => {
    expect(await boss.say('/invite 0')).toContain('Напишите: /invite');
    expect(await boss.say('/invite 5 9999')).toContain('1–365');
    expect(await alice.say('/invite')).toContain('только для администраторов');
    expect(await alice.say('/members')).toContain('только для администраторов');
    expect(await alice.say('/remove @boss')).toContain('только для администраторов');
  });
});

describe('join requests', () => {
  const adminTexts = (id: number) => tb.user(id, id === ADMIN ? 'Boss' : 'Chief', id === ADMIN ? 'boss' : 'chief').messages();
  const requestsAbout = (id: number, name: string) =>
    adminTexts(id).filter((m) => m.text.startsWith('Заявка на доступ') && m.text.includes(name));

  it('tells the admins once; the first decision counts, a second press is told it was decided', async () => {
    await tb.user(ADMIN2, 'Chief', 'chief').say('/start');
    const vera = tb.user(40, 'Vera', 'vera');
    expect(await vera.say('/start')).toContain('Заявка отправлена администраторам');
    expect(await vera.say('/start')).toContain('ждёт решения');
    expect(await vera.say('/tasks')).toContain('ждёт решения');
    expect((await person(40))!.role).toBe('pending');
    expect(requestsAbout(ADMIN, 'Vera')).toHaveLength(1);
    expect(requestsAbout(ADMIN2, 'Vera')).toHaveLength(1);

    const request = requestsAbout(ADMIN, 'Vera')[0]!;
    const approve = request.buttons.find((b) => b.text.includes('Принять'))!;
    // A member cannot decide.
    await alice.callback(approve.data!, 1);
    expect((await person(40))!.role).toBe('pending');

    expect(await boss.callback(approve.data!, request.id)).toContain('Vera принят(а) в команду');
    expect(vera.messages().at(-1)!.text).toContain('Добро пожаловать в команду');
    expect((await person(40))!.role).toBe('member');
    const other = requestsAbout(ADMIN2, 'Vera')[0]!;
    const deny = other.buttons.find((b) => b.text.includes('Отклонить'))!;
    expect(await tb.user(ADMIN2, 'Chief', 'chief').callback(deny.data!, other.id)).toContain('уже решено');
    expect((await person(40))!.role).toBe('member');
    expect(await vera.say('/task 1')).toContain('Quarterly report');
  });

  it('a denied person hears so, stays out, and a new /start does not bother the admins again', async () => {
    const zed = tb.user(41, 'Zed', 'zed');
    expect(await zed.say('/start')).toContain('Заявка отправлена');
    const request = requestsAbout(ADMIN, 'Zed')[0]!;
    const deny = request.buttons.find((b) => b.text.includes('Отклонить'))!;
    expect(await boss.callback(deny.data!, request.id)).toContain('Заявка Zed отклонена');
    expect(zed.messages().at(-1)!.text).toContain('отклонил заявку');
    expect((await person(41))!.role).toBe('blocked');
    expect(await zed.say('/start')).toContain(HOW_TO_JOIN);
    expect(await zed.say('/task 1')).toContain(HOW_TO_JOIN);
    expect(requestsAbout(ADMIN, 'Zed')).toHaveLength(1);
  });
});

describe('/members and /remove', () => {
  it('lists members, requests and removed people', async () => {
    await tb.user(42, 'Petra', 'petra').say('/start');
    const list = await boss.say('/members');
    expect(list).toMatch(
      /Участники \(\d+\):[\s\S]*Alice @alice[\s\S]*Заявки \(1\):\n• Petra @petra[\s\S]*Исключены или отклонены \(1\):\n• Zed @zed/,
    );
    // The team's list shows the team: no waiting request, no removed person.
    const people = await alice.say('/people');
    expect(people).toContain('Alice');
    expect(people).not.toContain('Petra');
    expect(people).not.toContain('Zed');
  });

  it('ends a membership: subscriptions gone, no more notifications, the history stays', async () => {
    const ten = tb.user(10, 'Ten', 'ten');
    await ten.say('/watch 1 telegram');
    await ten.say('/comment 1 my last words');
    await alice.say('/comment 1 noted');
    await planPendingChanges();
    const tenId = (await person(10))!._id;
    expect(await DeliveryModel.countDocuments({ person: tenId, status: 'pending' })).toBe(1);
    expect(await boss.say('/remove @boss')).toContain('Себя исключить нельзя');
    expect(await boss.say('/remove @chief')).toContain('ADMIN_IDS');
    expect(await boss.say('/remove @ten')).toContain('Ten больше не в команде');
    expect(await ObserverModel.countDocuments({ person: (await person(10))!._id })).toBe(0);
    expect(await ChangeModel.countDocuments({ actor: (await person(10))!._id })).toBe(1);
    expect(await ten.say('/tasks')).toContain(HOW_TO_JOIN);

    // A change now reaches Alice (the author) but nobody removed or pending.
    await alice.say('/edit 1 priority high');
    await planPendingChanges();
    const removedId = (await person(10))!._id;
    expect(await DeliveryModel.countDocuments({ person: removedId, status: 'pending' })).toBe(0);
    const change = await ChangeModel.findOne().sort({ at: -1 }).lean();
    const recipients = await DeliveryModel.find({ change: change!._id }).lean();
    expect(recipients.map((d) => String(d.person))).not.toContain(String(removedId));
    expect(await boss.say('/members')).toMatch(/Исключены или отклонены \(2\):[\s\S]*Ten @ten/);

    // A removal outlasts invite links: a live link does not bring Ten back; only /readmit does.
    const { code } = await invite(boss);
    expect(await ten.say(`/start ${code}`)).toBe(
      'Вас исключили из команды; ссылка-приглашение этого не отменяет. Если это ошибка, напишите администратору.',
    );
    expect((await person(10))!.role).toBe('blocked');
    expect(await alice.say('/readmit @ten')).toContain('только для администраторов');
    expect(await boss.say('/readmit @alice')).toContain('не исключён');
    expect(await boss.say('/readmit @ten')).toBe('Ten снова в команде (без прежних подписок).');
    expect((await person(10))!.role).toBe('member');
    expect(await ten.say('/tasks')).not.toContain(HOW_TO_JOIN);
  });
});

describe('group chats', () => {
  it('answers a command with one line pointing to the private chat, and ignores the rest', async () => {
    const inGroup = tb.user(2, 'Alice', 'alice', { id: -1001, type: 'supergroup' });
    for (const cmd of ['/task 1', '/people', '/smtp', '/me', '/start']) {
      const reply = await inGroup.say(cmd);
      expect(reply).toBe('Я работаю только в личном чате: https://t.me/TestNameBot');
    }
    expect(await inGroup.say('hello everyone')).toBe('');
    expect(await inGroup.say('/task@OtherBot 1')).toBe('');
    expect(await inGroup.callback('task:view:1', 1)).toBe('');
    const strangerInGroup = tb.user(67, 'Eve', 'eve', { id: -1001, type: 'supergroup' });
    expect(await strangerInGroup.say('/start')).toContain('только в личном чате');
    expect(await person(67)).toBeNull();
  });
});
