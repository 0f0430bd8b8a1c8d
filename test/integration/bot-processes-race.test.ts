/**
 * Two bot processes at once, as several run for real: webhook mode (`node dist/src/main.js --role=bot`,
 * built by `npm test`), each with its own HTTP server, both behind one bot token, with one worker process.
 * Updates reach both at the same moment, and what they share — the run requests, the settings, the invite
 * uses — must come out as if one process had handled them in some order: each process answers its own
 * update, nothing is sent twice, and the settings end whole.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PersonModel, RunModel, SettingsModel } from '../../src/db/models/index.js';
import { webhookSecretToken } from '../../src/secrets.js';
import { useTestDatabase } from '../support/db.js';
import { guardedEnv } from '../support/guard-env.js';
import { freePort } from '../support/ports.js';
import { until } from '../support/wait.js';
import { useWorkerProcesses } from '../support/worker-processes.js';
import { ADMIN_ID, edit, makePerson, makeTask, startWorld, type World } from '../support/world.js';

const db = useTestDatabase();
let world: World;
const workers = useWorkerProcesses(db, () => world);
const SECOND_ADMIN = 9002;
const bots: Array<{ child: ChildProcess; url: string; stderr: string }> = [];

beforeAll(async () => {
  world = await startWorld();
  workers.start();
  for (let i = 0; i < 2; i++) bots.push(await startBot());
  // Both are up and serving: each answers an update without the secret with 401.
  for (const b of bots) {
    await until(
      async () => (await fetch(b.url, { method: 'POST', body: '{}' }).catch(() => undefined))?.status === 401,
      30_000,
      'the bot process to serve',
    );
  }
}, 90_000);
afterAll(async () => {
  for (const b of bots) {
    if (b.child.exitCode !== null || b.child.signalCode !== null) continue;
    const exited = new Promise((r) => b.child.once('exit', r));
    b.child.kill('SIGTERM');
    await exited;
  }
  await world.close();
});

async function startBot(): Promise<{ child: ChildProcess; url: string; stderr: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.resolve('dist/src/main.js'), '--role=bot'], {
    env: {
      PATH: process.env.PATH,
      ...guardedEnv(),
      MONGODB_URI: db.uri,
      SECRET_KEY: world.config.SECRET_KEY,
      BOT_TOKEN: world.config.BOT_TOKEN!,
      TELEGRAM_API_ROOT: world.config.TELEGRAM_API_ROOT,
      TELEGRAM_WEBHOOK_URL: base,
      HTTP_PORT: String(port),
      ADMIN_IDS: `${ADMIN_ID},${SECOND_ADMIN}`,
      REGISTRATION: 'invite',
      RUN_POLL_MS: '100',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const bot = { child, url: '', stderr: '' };
  child.stderr.on('data', (d) => (bot.stderr += String(d)));
  // Both register the same path (derived from the token): the webhook URL Telegram keeps is one of them.
  const webhooks = (world.telegram as unknown as { webhooks: Record<string, { url: string }> }).webhooks;
  await until(() => webhooks[world.config.BOT_TOKEN!] !== undefined || child.exitCode !== null, 30_000, 'setWebhook');
  if (child.exitCode !== null) throw new Error(`the bot process exited: ${bot.stderr}`);
  bot.url = base + new URL(webhooks[world.config.BOT_TOKEN!]!.url).pathname;
  return bot;
}

let updateId = 1;
/** Posts one Telegram update (a command from `userId` in their private chat) to bot process `i`. */
async function post(i: number, userId: number, text: string): Promise<void> {
  const id = updateId++;
  const res = await fetch(bots[i]!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': webhookSecretToken(world.config.SECRET_KEY!) },
    body: JSON.stringify({
      update_id: id,
      message: {
        message_id: id,
        date: Math.floor(Date.now() / 1000),
        from: { id: userId, is_bot: false, first_name: `User ${userId}` },
        chat: { id: userId, type: 'private', first_name: `User ${userId}` },
        text,
        entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }],
      },
    }),
  });
  expect(res.status).toBe(200);
}
const texts = (chatId: number) => world.telegramTo(chatId).map((m) => m.text);

it('two people /send the same task through different processes at the same moment: both are answered, nothing goes twice', async () => {
  const anna = await makePerson({ name: 'Anna' });
  const boris = await makePerson({ name: 'Boris' });
  const vera = await makePerson({ name: 'Vera', email: 'vera@example.org' });
  const clara = await makePerson({ name: 'Clara', phone: '+79120000061' });
  const n = await makeTask(anna, 'Race', [
    [vera, ['email']],
    [clara, ['sms', 'telegram']],
  ]);
  await edit(n, anna, 'assignee', '@boris');
  await edit(n, anna, 'status', 'in_progress');
  await edit(n, anna, 'priority', 'high');

  await Promise.all([post(0, anna.telegramId, `/send ${n}`), post(1, boris.telegramId, `/send ${n}`)]);

  const report = /^Готово \(задание #\d+\)\. Отправлено сообщений: e-mail — (\d+), SMS — (\d+), Telegram — (\d+)\.$|^Отправлять нечего/;
  const final = (chat: number) => texts(chat).find((t) => report.test(t));
  await until(() => final(anna.telegramId) !== undefined && final(boris.telegramId) !== undefined, 60_000, 'both /send reports');
  // Each process answered its own update: one message each, "sending…" edited into a report.
  expect(texts(anna.telegramId)).toHaveLength(1);
  expect(texts(boris.telegramId)).toHaveLength(1);

  // Once each, whichever run took it; the two reports together count exactly that.
  expect(world.sink.messages.map((m) => m.to)).toEqual([['vera@example.org']]);
  expect(world.sms.accepted.map((a) => a.to)).toEqual(['79120000061']);
  const notifications = texts(clara.telegramId).filter((t) => t.startsWith(`#${n} «`));
  expect(notifications).toHaveLength(1);
  const sum = [0, 0, 0];
  for (const chat of [anna.telegramId, boris.telegramId]) {
    const m = /e-mail — (\d+), SMS — (\d+), Telegram — (\d+)/.exec(final(chat)!);
    if (m) for (let i = 0; i < 3; i++) sum[i]! += Number(m[i + 1]);
  }
  expect(sum).toEqual([1, 1, 1]);
  // Two run requests, one from each process, both carried out.
  const runs = await RunModel.find({ taskNumber: n }).lean();
  expect(runs.map((r) => [r.requestedBy, r.status]).sort()).toEqual(
    [
      [anna.telegramId, 'done'],
      [boris.telegramId, 'done'],
    ].sort(),
  );
}, 90_000);

it('two admins save the SMS template through different processes at once: both are answered, the settings end whole', async () => {
  await makePerson({ name: 'Admin', admin: true });
  world.botApi.knowChat(SECOND_ADMIN);
  const before = (await SettingsModel.findById('global').lean())?.version ?? 0;
  const mine = ['#{task.number} первый: {changes}', '#{task.number} второй: {changes}'];

  await Promise.all([post(0, ADMIN_ID, `/template sms ${mine[0]}`), post(1, SECOND_ADMIN, `/template sms ${mine[1]}`)]);

  const answer = (chat: number) => texts(chat).find((t) => /Шаблон sms сохранён|Другой администратор только что изменил/.test(t));
  await until(() => answer(ADMIN_ID) !== undefined && answer(SECOND_ADMIN) !== undefined, 30_000, 'both answers');
  const saved = [answer(ADMIN_ID)!, answer(SECOND_ADMIN)!].map((t) => t.includes('сохранён'));
  expect(saved.some(Boolean)).toBe(true);
  const after = (await SettingsModel.findById('global').lean())!;
  // Every "saved" is one version; the template stored is one admin's whole text, and one told it was saved.
  expect((after.version ?? 0) - before).toBe(saved.filter(Boolean).length);
  const stored = after.templates.sms;
  expect(mine).toContain(stored);
  expect(saved[mine.indexOf(stored!)]).toBe(true);
}, 60_000);

it('the last use of an invite, opened through both processes at once, lets in exactly one person', async () => {
  await makePerson({ name: 'Admin', admin: true });
  await post(0, ADMIN_ID, '/invite 1 1');
  const link = () => texts(ADMIN_ID).find((t) => /start=[\w-]+/.test(t));
  await until(() => link() !== undefined, 30_000, 'the invite link');
  const code = /start=([\w-]+)/.exec(link()!)![1]!;
  const [x, y] = [9101, 9102];
  world.botApi.knowChat(x);
  world.botApi.knowChat(y);

  await Promise.all([post(0, x, `/start ${code}`), post(1, y, `/start ${code}`)]);

  await until(() => texts(x).length > 0 && texts(y).length > 0, 30_000, 'both answers');
  const members = await PersonModel.find({ telegramId: { $in: [x, y] }, role: 'member' }).lean();
  expect(members).toHaveLength(1);
  const welcomed = [x, y].filter((id) => texts(id).some((t) => t.startsWith('Добро пожаловать в команду!')));
  expect(welcomed).toEqual([members[0]!.telegramId]);
  const other = welcomed[0] === x ? y : x;
  expect(texts(other).join('\n')).toContain('попросите у администратора ссылку-приглашение');
}, 60_000);

it("one member's /send through one process, then through the other: the cooldown holds across processes", async () => {
  const dana = await makePerson({ name: 'Dana' });
  const n = await makeTask(dana, 'Cooldown across processes');
  await edit(n, dana, 'status', 'in_progress');

  await post(0, dana.telegramId, `/send ${n}`);
  const report = /^Готово \(задание #\d+\)|^Отправлять нечего/;
  await until(() => texts(dana.telegramId).some((t) => report.test(t)), 60_000, 'the first /send report');
  await post(1, dana.telegramId, `/send ${n}`);
  const cooldown = /^\/send — не чаще раза в 30 с\. Попробуйте снова через \d+ с\.$/;
  await until(() => texts(dana.telegramId).some((t) => cooldown.test(t)), 30_000, 'the second process to answer');
  // One run only: the second process requested nothing.
  expect(await RunModel.countDocuments({ taskNumber: n })).toBe(1);
}, 60_000);
