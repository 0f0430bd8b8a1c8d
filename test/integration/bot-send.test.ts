/**
 * `/send`, `/send <n>`, `/send dry` and `/queue` in the bot, through the real delivery service and a real
 * dispatch worker (a Bree thread, as `--role=all` runs it; test/support/delivery-worker.ts), whose channels
 * reach the loopback SMTP sink, the sms.ru double and the bot's own strict Bot API double. Each test checks
 * what the person reads in the chat against what the doubles received.
 */
import { RunModel } from '../../src/db/models/index.js';
import { newTask, useTestBot, type TestUser } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';
import { deliveryWorker } from '../support/delivery-worker.js';
import { until } from '../support/wait.js';
import { confirmEmail, confirmPhone } from '../support/contacts.js';

const db = useTestDatabase();
const ADMIN = 700;
const worker = deliveryWorker(db, { smtp: { rejectRecipients: ['gone@example.org'] } });
const tb = useTestBot({ adminIds: [ADMIN], delivery: worker.delivery, env: { REGISTRATION: 'open' } });
worker.use(tb);

let nextId = 7100;
/** A new member (so that each test has its own people), with the contacts given. */
async function member(name: string, contacts: { email?: string; phone?: string } = {}): Promise<TestUser> {
  const u = tb.user(nextId++, name, name.toLowerCase());
  await u.say('/start');
  if (contacts.email) expect(await confirmEmail(u, contacts.email, worker.sink)).toContain(contacts.email);
  if (contacts.phone) expect(await confirmPhone(u, contacts.phone, worker.sms)).toContain('Телефон для SMS сохранён');
  return u;
}
const boss = () => tb.user(ADMIN, 'Boss', 'boss');

/** What the doubles received for this task: letters by recipient, SMS by number, and Telegram chats' notifications. */
function received(n: number, telegramChats: TestUser[] = []) {
  return {
    letters: worker.sink.messages.filter((m) => m.subject?.includes(`#${n}:`)).map((m) => m.to.join(',')),
    sms: worker.sms.accepted.filter((a) => a.msg.startsWith(`#${n} `)).map((a) => a.to),
    telegram: telegramChats.flatMap((u) =>
      u
        .messages()
        .filter((m) => m.text.startsWith(`#${n} «`))
        .map(() => u.id),
    ),
  };
}

beforeAll(async () => {
  await boss().say('/start');
});

it('/send <n> by its author: the "sending…" message becomes the report, and the report is what the doubles got', async () => {
  const ann = await member('Ann');
  const bob = await member('Bob', { email: 'bob@example.org' });
  const carl = await member('Carl', { phone: '+7 912 000-00-31' });
  const n = await newTask(ann, 'Quarterly report');
  await bob.say(`/watch ${n} email`);
  await carl.say(`/watch ${n} sms telegram`);
  await ann.say(`/edit ${n} status in_progress`);
  await ann.say(`/comment ${n} Numbers are in`);

  const { replies } = await ann.send(`/send ${n}`);

  // One message: "sending…", edited into the report when the worker's run ended.
  expect(replies).toHaveLength(1);
  expect(replies[0]!.text).toBe(`Готово (задание #${n}). Отправлено сообщений: e-mail — 1, SMS — 1, Telegram — 1.`);
  // Two changes, one message per person and channel: as the report counts them.
  const got = received(n, [carl, bob, ann]);
  expect(got.letters).toEqual(['bob@example.org']);
  expect(got.sms).toEqual(['79120000031']);
  expect(got.telegram).toEqual([carl.id]);
  const sms = worker.sms.accepted.findLast((a) => a.to === '79120000031')!;
  expect(sms.msg).toContain('Numbers are in');
});

it('/send refuses who may not, and once in the cooldown: nothing is requested, nothing is sent', async () => {
  const dora = await member('Dora');
  const eve = await member('Eve');
  const fay = await member('Fay', { email: 'fay@example.org' });
  const n = await newTask(dora, 'Cooldown');
  await fay.say(`/watch ${n} email`);
  await dora.say(`/edit ${n} priority high`);
  const runs = await RunModel.countDocuments();
  const letters = worker.sink.count;

  expect(await dora.say('/send')).toContain('Отправить все оповещения сразу может только администратор');
  expect(await eve.say(`/send ${n}`)).toContain(`Менять задание #${n} могут только`);
  expect(await eve.say('/send dry')).toContain('только для администраторов');
  expect(await eve.say('/queue')).toContain('только для администраторов');
  expect(await RunModel.countDocuments()).toBe(runs);
  expect(worker.sink.count).toBe(letters);

  expect(await dora.say(`/send ${n}`)).toContain('Отправлено сообщений: e-mail — 1');
  await dora.say(`/edit ${n} priority low`);
  const again = await dora.say(`/send ${n}`);
  expect(again).toMatch(/не чаще раза в 30 с\. Попробуйте снова через (\d+) с/);
  expect(await RunModel.countDocuments()).toBe(runs + 1);
  expect(received(n).letters).toEqual(['fay@example.org']);

  // The wait is per person, and admins do not wait: the assignee sends the second change.
  await dora.say(`/edit ${n} assignee @eve`);
  expect(await eve.say(`/send ${n}`)).toContain(`Готово (задание #${n}). Отправлено сообщений: e-mail — 1`);
  expect(received(n).letters).toEqual(['fay@example.org', 'fay@example.org']);
  expect(await boss().say(`/send ${n}`)).toBe('Отправлять нечего: новых оповещений нет.');
  expect(await RunModel.countDocuments()).toBe(runs + 3);
});

it('reads failures by their cause in Russian: a member without addresses, an admin with the provider’s words', async () => {
  const gil = await member('Gil');
  const hana = await member('Hana');
  // An address the mail server refuses could never be confirmed by its owner: an admin sets it.
  expect(await boss().say('/email @hana gone@example.org')).toContain('gone@example.org');
  const ivan = await member('Ivan', { phone: '+7 912 000-00-32' });
  const n = await newTask(gil, 'Failures');
  await hana.say(`/watch ${n} email`);
  await ivan.say(`/watch ${n} sms`);
  worker.sms.numberCodes.set('79120000032', 202);
  const gilSees = () =>
    gil
      .messages()
      .map((m) => m.text)
      .join('\n');
  try {
    await gil.say(`/edit ${n} status review`);
    const seen = await gil.say(`/send ${n}`);
    expect(seen.split('\n')).toEqual([
      `Готово (задание #${n}). Отправлено сообщений: e-mail — 0, SMS — 0, Telegram — 0.`,
      'Не отправлено сообщений: 2.',
      expect.stringMatching(/^• (e-mail ×1: адрес e-mail не принимает письма|SMS ×1: на этот номер SMS не доставить)$/),
      expect.stringMatching(/^• (e-mail ×1: адрес e-mail не принимает письма|SMS ×1: на этот номер SMS не доставить)$/),
    ]);
    expect(seen).toContain('e-mail ×1');
    expect(seen).toContain('SMS ×1');
    // The provider's words, and the addresses and numbers they may carry, stay with the admins.
    expect(gilSees()).not.toMatch(/gone@example|79120000032|\(code 202\)|550 5\.1\.1/);
    expect(worker.sink.rejected).toBeGreaterThan(0);
    expect(received(n)).toEqual({ letters: [], sms: [], telegram: [] });

    await gil.say(`/edit ${n} status done`);
    const admin = await boss().say(`/send ${n}`);
    expect(admin).toMatch(/^• e-mail ×1: адрес e-mail не принимает письма — ответ: «SMTP .*550 5\.1\.1 .*»$/m);
    expect(admin).toMatch(/^• SMS ×1: на этот номер SMS не доставить — ответ: «sms\.ru sms\/send: .*\(code 202\)»$/m);

    // /queue: the same failures, counted over both runs, read by cause with the words for the admin.
    const queue = await boss().say('/queue');
    expect(queue).toContain('Частые ошибки:');
    expect(queue).toMatch(/^• e-mail ×2: адрес e-mail не принимает письма — ответ: «SMTP .*550 5\.1\.1 .*»$/m);
    expect(queue).toMatch(/^• SMS ×2: на этот номер SMS не доставить — ответ: «.*\(code 202\)»$/m);
  } finally {
    worker.sms.numberCodes.delete('79120000032');
  }
});

it('reads the gateway’s money and sender refusals in Russian', async () => {
  const jan = await member('Jan');
  const kim = await member('Kim', { phone: '+7 912 000-00-33' });
  const n = await newTask(jan, 'Gateway');
  await kim.say(`/watch ${n} sms`);
  worker.sms.nextCodes(201);
  await jan.say(`/edit ${n} status review`);
  expect(await jan.say(`/send ${n}`)).toContain('• SMS ×1: на счёте SMS-шлюза нет денег');
  worker.sms.nextCodes(204);
  await jan.say(`/edit ${n} status done`);
  const admin = await boss().say(`/send ${n}`);
  expect(admin).toMatch(/^• SMS ×1: SMS-шлюз не принимает имя отправителя — ответ: «sms\.ru sms\/send: .*\(code 204\)»$/m);
  expect(received(n).sms).toEqual([]);
  // The admins were told too, in Russian, with the gateway's words quoted.
  expect(
    boss()
      .messages()
      .some((m) => m.text.includes('на счёте SMS-шлюза нет денег (ответ шлюза: «')),
  ).toBe(true);
});

it('/send dry lists exactly what the next /send sends, and /queue counts what is left', async () => {
  const lea = await member('Lea');
  const max = await member('Max', { email: 'max@example.org', phone: '+7 912 000-00-34' });
  const nina = await member('Nina', { email: 'nina@example.org' });
  const n = await newTask(lea, 'Dry run');
  await max.say(`/watch ${n} email sms telegram`);
  await nina.say(`/watch ${n} email`);
  await lea.say(`/edit ${n} priority urgent`);

  const dry = await boss().say(`/send dry ${n}`);
  expect(dry.split('\n')[0]).toBe('Если отправить сейчас — 4 сообщения (ничего не отправлено):');
  const lines = dry
    .split('\n')
    .slice(1)
    .map((l) => /^• #(\d+) (\S+) — (\S+) (\S+?)(,.*)?$/.exec(l)!.slice(1, 5).join(' '))
    .sort();
  expect(lines).toEqual(
    [
      `${n} Max e-mail max@example.org`,
      `${n} Max SMS +79120000034`,
      `${n} Max Telegram ${max.id}`,
      `${n} Nina e-mail nina@example.org`,
    ].sort(),
  );
  expect(dry).toMatch(/Max — SMS \+79120000034, 1 SMS \(UCS-2\)/);
  const queued = await boss().say('/queue');
  expect(queued).toMatch(/^Очередь: ждут отправки — 4 /);
  // Nothing went out.
  expect(received(n, [max])).toEqual({ letters: [], sms: [], telegram: [] });

  expect(await boss().say(`/send ${n}`)).toContain(`Готово (задание #${n}). Отправлено сообщений: e-mail — 2, SMS — 1, Telegram — 1.`);
  // What went out is what the dry run listed: channel and address, one message each.
  const got = received(n, [max]);
  const sent = [
    ...got.letters.map((to) => `e-mail ${to}`),
    ...got.sms.map((to) => `SMS +${to}`),
    ...got.telegram.map((chat) => `Telegram ${chat}`),
  ].sort();
  expect(sent).toEqual(lines.map((l) => l.split(' ').slice(2).join(' ')).sort());
  expect(await boss().say(`/send dry ${n}`)).toBe('Если отправить сейчас — никому ничего: новых оповещений нет.');
  expect(await boss().say('/queue')).toMatch(/Последняя рассылка: .* \(по \/send\), отправлено 4, ошибок 0\./);
});

it('a run longer than the bot waits: the person is told it goes on, and gets the result when it ends', async () => {
  const olga = await member('Olga');
  const petr = await member('Petr', { email: 'petr@example.org' });
  const n = await newTask(olga, 'Slow server');
  await petr.say(`/watch ${n} email`);
  await olga.say(`/edit ${n} status review`);
  worker.options.sendTimeoutMs = 300;
  worker.sink.pause();
  try {
    const { replies } = await olga.send(`/send ${n}`, { waitForBackground: false });
    expect(replies.map((r) => r.text)).toEqual(['Отправляю оповещения…']);
    const status = replies[0]!.id;
    const text = () => olga.messages().find((m) => m.id === status)?.text ?? '';
    await until(() => text().startsWith('Рассылка идёт дольше обычного и продолжается'), 20_000, 'the "goes on" edit');
    expect(text()).toBe(
      'Рассылка идёт дольше обычного и продолжается. Итог пришлю отдельным сообщением, когда она закончится; /queue покажет очередь.',
    );
    await until(() => worker.sink.waiting > 0, 20_000, 'the letter to reach the SMTP server');
    expect(received(n).letters).toEqual([]);

    worker.sink.resume();
    expect(await tb.background.drain(30_000)).toBe(0);
    const result = olga.messages().filter((m) => m.id > status);
    expect(result.map((m) => m.text)).toEqual([`Готово (задание #${n}). Отправлено сообщений: e-mail — 1, SMS — 0, Telegram — 0.`]);
    expect(received(n).letters).toEqual(['petr@example.org']);
  } finally {
    worker.sink.resume();
    delete worker.options.sendTimeoutMs;
  }
});

it('/send and /queue say how many messages wait for their recipient’s daily digest', async () => {
  const ivy = await member('Ivy');
  const jan = await member('Jan', { email: 'jan@example.org' });
  const n = await newTask(ivy, 'Digest later');
  await jan.say(`/watch ${n} email`);
  expect(await jan.say('/digest daily 18:00')).toContain('18:00');
  await ivy.say(`/edit ${n} priority high`);

  expect(await boss().say(`/send ${n}`)).toContain('Сообщений ждут ежедневной сводки получателя: 1');
  expect(received(n).letters).toEqual([]);
  expect(await boss().say('/queue')).toMatch(/ежедневная сводка — [1-9]/);
});
