/**
 * Letters as a mail server and a person see them: real letters composed by a dispatch run, sent by nodemailer
 * to the loopback SMTP sink, read raw (headers present, the subject encoded and folded, no line over 998
 * characters), and their one-tap unsubscribe link opened in the bot through the strict Bot API double: by
 * the person it was made for (unwatches), by someone else (refused, nothing revealed), damaged (explained).
 */
import { useTestDatabase } from '../support/db.js';
import { useTestBot } from '../support/bot-api.js';
import { decodeSubject, startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink.js';
import { saveSmtp } from '../../src/services/settings.js';
import { confirmEmail } from '../support/contacts.js';
import { requestRun, waitForRun } from '../../src/delivery/runs.js';
import { executeRequestedRuns } from '../../src/scheduler/dispatch-job.js';
import { createLogger } from '../../src/logger.js';
import { ObserverModel, PersonModel, TaskModel } from '../../src/db/models/index.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import type { Types } from 'mongoose';
import type { Config } from '../../src/config.js';

useTestDatabase();
const bot = useTestBot({ env: { REGISTRATION: 'open' } });
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.close();
});

/** One /send run, carried out here by the code a worker thread runs, with the bot's configuration. */
async function deliver(config: Config = bot.config): Promise<void> {
  const id = await requestRun({ trigger: 'send' });
  await executeRequestedRuns({ config, logger: createLogger('silent'), secrets: bot.secrets });
  await waitForRun(id, { timeoutMs: 30_000 });
}

/** The header lines of a raw message, each field with its folded continuation lines. */
function headerFields(raw: string): Map<string, string[]> {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  const fields = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line)) current.push(line);
    else {
      current = [line];
      fields.set(line.slice(0, line.indexOf(':')).toLowerCase(), current);
    }
  }
  return fields;
}

const TITLE = 'Подготовить квартальный отчёт для бухгалтерии и согласовать его с финансовым директором';
const DESCRIPTION = 'Цифры по всем филиалам, с расшифровкой расходов и сравнением с прошлым кварталом. '.repeat(23).trim();

describe('a letter about a watched task', () => {
  const anna = () => bot.user(7001, 'Анна', 'anna');
  const boris = () => bot.user(7002, 'Борис', 'boris');
  let n: number;

  beforeAll(async () => {
    await saveSmtp({ host: '127.0.0.1', port: sink.port, security: 'none', from: 'taskwatch <tw@example.org>' }, bot.secrets);
    await anna().say('/start');
    await boris().say('/start');
    await confirmEmail(anna(), 'anna@example.org', sink);
    n = Number(/#(\d+)/.exec(await boris().say(`/newtask ${TITLE}`))![1]);
    await anna().say(`/watch ${n} email`);
  });
  beforeEach(() => sink.reset());

  it('without a bot username known, says to send /unwatch N and has no List-Unsubscribe', async () => {
    await boris().say(`/edit ${n} priority high`);
    // A worker without the bot's token cannot ask Telegram who the bot is.
    await deliver({ ...bot.config, BOT_TOKEN: undefined });
    const mail = sink.messages.find((m) => m.to.includes('anna@example.org'))!;
    expect(mail.headers['list-unsubscribe']).toBeUndefined();
    expect(mail.text).toContain(
      `Вы получаете это письмо, потому что наблюдаете за заданием #${n}. Чтобы не получать: /unwatch ${n} в боте.`,
    );
    expect(mail.text).not.toContain('t.me');
  });

  let mail: ReceivedMail;
  let link: string;

  it('is well-formed: Date, Message-ID, the subject in UTF-8 folded, no line over 998 characters, List-Unsubscribe', async () => {
    expect(await boris().say(`/edit ${n} description ${DESCRIPTION}`)).toContain(`Задание #${n}: описание`);
    await deliver();
    expect(sink.messages).toHaveLength(1);
    mail = sink.messages[0]!;
    expect(mail.to).toEqual(['anna@example.org']);
    const fields = headerFields(mail.raw);
    for (const name of ['date', 'message-id', 'from', 'to', 'subject', 'mime-version', 'list-unsubscribe']) {
      expect([name, fields.has(name)]).toEqual([name, true]);
    }
    expect(Number.isNaN(Date.parse(mail.headers.date!))).toBe(false);
    expect(mail.messageId).toMatch(/^<[^<>@\s]+@example\.org>$/);

    // The subject: encoded (no raw 8-bit), folded over several lines of at most 78, and decoding to the original.
    const subject = fields.get('subject')!;
    expect(subject.length).toBeGreaterThan(1);
    for (const line of subject) {
      expect(line.length).toBeLessThanOrEqual(78);
      expect(/^[\x20-\x7e\t]*$/.test(line)).toBe(true);
    }
    expect(decodeSubject(subject.join('').replace(/^subject:\s*/i, ''))).toBe(`Изменено задание #${n}: ${TITLE}`);

    // Every line of the message, headers and both parts, within RFC 5322's 998 (the HTML holds a cell of 1,900 characters).
    const lines = mail.raw.split('\r\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(998);
    expect(mail.html).toContain(DESCRIPTION);
    expect(mail.html!.split('\n').some((l) => l.length > 998)).toBe(true);

    // List-Unsubscribe: one https link to the bot, whose start payload is at most 64 of [A-Za-z0-9_-].
    const header = /^<(https:\/\/t\.me\/TestNameBot\?start=([A-Za-z0-9_-]+))>$/.exec(mail.headers['list-unsubscribe']!);
    expect(header).not.toBeNull();
    link = header![1]!;
    expect(header![2]!.length).toBeLessThanOrEqual(64);
    expect(fields.has('list-unsubscribe-post')).toBe(false);
    // The footer: why, and the same link in both parts.
    expect(mail.text).toContain(`Вы получаете это письмо, потому что наблюдаете за заданием #${n}. Отписаться одним нажатием: ${link}`);
    expect(mail.text).toContain(`или отправьте боту /unwatch ${n}.`);
    expect(mail.html).toContain(`<a href="${link}" style="color:#777777;">отписаться от #${n}</a>`);
  });

  it('opened by someone else (a forwarded letter), refuses without a word of whose or which task, and changes nothing', async () => {
    const payload = new URL(link).searchParams.get('start')!;
    const reply = await boris().say(`/start ${payload}`);
    expect(reply).toBe(
      'Эта ссылка из письма, адресованного другому человеку, поэтому здесь она ничего не меняет. Чтобы перестать наблюдать за заданием, отправьте /unwatch <номер>.',
    );
    expect(reply).not.toContain(String(n));
    expect(reply).not.toContain('Анна');
    expect(await ObserverModel.countDocuments({ taskNumber: n })).toBe(1);
  });

  it('damaged, says the link does not work and how to stop instead, and changes nothing', async () => {
    const payload = new URL(link).searchParams.get('start')!;
    // A character in the middle carries six bits of the signed bytes (the last one also carries padding).
    const damaged = `${payload.slice(0, 20)}${payload[20] === 'x' ? 'y' : 'x'}${payload.slice(21)}`;
    const reply = await anna().say(`/start ${damaged}`);
    expect(reply).toContain('Ссылка для отписки не подходит: она повреждена или устарела.');
    expect(await ObserverModel.countDocuments({ taskNumber: n })).toBe(1);
  });

  it('opened by its person, unwatches the task in one tap and says how to watch again; a second tap says so', async () => {
    const payload = new URL(link).searchParams.get('start')!;
    expect(await anna().say(`/start ${payload}`)).toBe(
      `Готово: вы больше не наблюдаете за заданием #${n} «${TITLE}», оповещения о нём как наблюдателю больше не придут. Наблюдать снова: /watch ${n}`,
    );
    expect(await ObserverModel.countDocuments({ taskNumber: n })).toBe(0);
    expect(await anna().say(`/start ${payload}`)).toContain(`Вы уже не наблюдаете за заданием #${n}`);

    // And no letter comes of the next change.
    await boris().say(`/edit ${n} priority low`);
    await deliver();
    expect(sink.messages.filter((m) => m.to.includes('anna@example.org'))).toHaveLength(0);
  });
});

describe('with PUBLIC_URL: one-click unsubscribe for everyone (RFC 8058)', () => {
  const vera = () => bot.user(7101, 'Вера', 'vera');
  const gleb = () => bot.user(7102, 'Глеб', 'gleb');
  let server: HttpServer;
  let base: string;
  let n: number;
  let offline: { _id: Types.ObjectId };

  beforeAll(async () => {
    server = await startHttpServer({ port: 0, host: '127.0.0.1', logger: createLogger('silent'), unsubscribe: { secrets: bot.secrets } });
    base = `http://127.0.0.1:${server.port}`;
    await saveSmtp({ host: '127.0.0.1', port: sink.port, security: 'none', from: 'taskwatch <tw@example.org>' }, bot.secrets);
    await vera().say('/start');
    await gleb().say('/start');
    await confirmEmail(vera(), 'vera@example.org', sink);
    sink.reset();
    n = Number(/#(\d+)/.exec(await gleb().say('/newtask Сверка с банком'))![1]);
    await vera().say(`/watch ${n} email`);
    // A person an admin added without Telegram (a placeholder id below zero), watching by e-mail.
    offline = await PersonModel.create({
      telegramId: -7,
      name: 'Олег',
      email: 'oleg@example.org',
      role: 'member',
      timezone: 'Europe/Moscow',
      language: 'ru',
    });
    await ObserverModel.create({
      task: (await TaskModel.findOne({ number: n }).lean())!._id,
      taskNumber: n,
      person: offline._id,
      channels: ['email'],
    });
    sink.reset();
    await gleb().say(`/edit ${n} priority high`);
    await deliver({ ...bot.config, PUBLIC_URL: `${base}/` });
  });
  afterAll(async () => {
    await server.close();
  });

  const letterTo = (address: string) => sink.messages.find((m) => m.to.includes(address))!;
  const webLink = (mail: ReceivedMail) =>
    /^<(http:\/\/127\.0\.0\.1:\d+\/unsubscribe\/u_[A-Za-z0-9_-]+)>$/.exec(mail.headers['list-unsubscribe'] ?? '')?.[1];

  it('letters carry List-Unsubscribe to the page and List-Unsubscribe-Post; people without Telegram get only that link', async () => {
    const toVera = letterTo('vera@example.org');
    const toOleg = letterTo('oleg@example.org');
    for (const mail of [toVera, toOleg]) {
      expect(webLink(mail)).toBeDefined();
      expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    }
    expect(toOleg.text).toContain(`Отписаться одним нажатием: ${webLink(toOleg)}.`);
    expect(toOleg.text).not.toContain('t.me');
    // Vera has Telegram: the page, and the bot too.
    expect(toVera.text).toMatch(
      new RegExp(
        `Отписаться одним нажатием: ${webLink(toVera)!.replace(/[.?]/g, '\\$&')} \\(или в боте: https://t\\.me/TestNameBot\\?start=u_`,
      ),
    );
  });

  it('a GET (a mail scanner, a preview) shows a page with a button and changes nothing', async () => {
    const res = await fetch(webLink(letterTo('oleg@example.org'))!);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`Больше не получать оповещения о задании #${n} «Сверка с банком»?`);
    expect(html).toMatch(/<form method="post"><button[^>]*>Отписаться<\/button><\/form>/);
    expect(await ObserverModel.countDocuments({ taskNumber: n })).toBe(2);
  });

  it('a forged or damaged link is refused and changes nothing', async () => {
    const link = webLink(letterTo('oleg@example.org'))!;
    const damaged = `${link.slice(0, -5)}${link.at(-5) === 'x' ? 'y' : 'x'}${link.slice(-4)}`;
    const res = await fetch(damaged, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Ссылка не подходит');
    expect(await ObserverModel.countDocuments({ taskNumber: n })).toBe(2);
  });

  it("a mail client's one-click POST unsubscribes that person from that task only", async () => {
    const res = await fetch(webLink(letterTo('oleg@example.org'))!, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`Готово: оповещений о задании #${n} больше не будет.`);
    const left = await ObserverModel.find({ taskNumber: n }).lean();
    expect(left.map((o) => String(o.person))).not.toContain(String(offline._id));
    expect(left).toHaveLength(1);
    // Again: nothing left to stop, said plainly.
    const again = await fetch(webLink(letterTo('oleg@example.org'))!, { method: 'POST' });
    expect(await again.text()).toContain('отписываться не от чего');
  });
});
