/**
 * The bot as a real process in webhook mode (`node dist/src/main.js --role=bot`, built by `npm test`): it
 * registers Telegram's secret_token with setWebhook, and its HTTP server refuses updates without it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { webhookSecretToken } from '../../src/secrets.js';
import { useTestDatabase } from '../support/db.js';
import { freePort } from '../support/ports.js';
import { TelegramServer } from '../support/telegram-server.js';

const db = useTestDatabase();
const TOKEN = '123456789:AAwebhook-token-for-the-bot-api-double';
const SECRET_KEY = 'webhook-test-secret-key-0123456789';
let telegram: TelegramServer;
let child: ChildProcess | undefined;
let stderr = '';

beforeAll(async () => {
  telegram = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 600 });
  await telegram.start();
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await telegram.stop();
});

async function until<T>(get: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; bot stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function update(id: number, userId: number, text: string) {
  return JSON.stringify({
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      from: { id: userId, is_bot: false, first_name: 'Wendy' },
      chat: { id: userId, type: 'private', first_name: 'Wendy' },
      text,
      entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }],
    },
  });
}

const repliesTo = (chatId: number) =>
  telegram.storage.botMessages.filter((m) => Number((m.message as unknown as { chat_id: number }).chat_id) === chatId);

it('sets secret_token, answers 401 to requests without it or with a wrong one, and handles the right one', async () => {
  const port = await freePort();
  child = spawn(process.execPath, [path.resolve('dist/src/main.js'), '--role=bot'], {
    env: {
      PATH: process.env.PATH,
      MONGODB_URI: db.uri,
      SECRET_KEY,
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.config.apiURL,
      TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}`,
      HTTP_PORT: String(port),
      REGISTRATION: 'open',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d) => (stderr += String(d)));

  const webhooks = (telegram as unknown as { webhooks: Record<string, { url: string; secret_token?: string }> }).webhooks;
  const hook = await until(() => webhooks[TOKEN], 'setWebhook');
  expect(hook.secret_token).toBe(webhookSecretToken(SECRET_KEY));
  expect(hook.secret_token).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
  expect(hook.secret_token).not.toContain(SECRET_KEY);

  const post = (body: string, headers: Record<string, string>) =>
    fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  // The HTTP server may come up a moment after setWebhook.
  let first: Response | undefined;
  const deadline = Date.now() + 30_000;
  while (!first) {
    first = await post(update(1, 77, '/start'), {}).catch(() => undefined);
    if (!first && Date.now() > deadline) throw new Error(`the bot's HTTP server did not come up; stderr: ${stderr}`);
    if (!first) await new Promise((r) => setTimeout(r, 100));
  }
  expect(first.status).toBe(401);
  expect((await post(update(2, 77, '/start'), { 'x-telegram-bot-api-secret-token': 'wrong' })).status).toBe(401);
  const ok = await post(update(3, 77, '/start'), { 'x-telegram-bot-api-secret-token': hook.secret_token! });
  expect(ok.status).toBe(200);
  const replies = await until(() => (repliesTo(77).length ? repliesTo(77) : undefined), 'the reply to /start');
  // Only the request with the secret was handled: one greeting.
  expect(replies).toHaveLength(1);
  expect((replies[0]!.message as unknown as { text: string }).text).toContain('Wendy');
});
