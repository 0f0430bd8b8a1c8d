/**
 * S. One Telegram budget for a deployment: a bot process and three worker processes (`dist/src/main.js
 * --role=bot|worker`) share one token against the strict Bot API double (Telegram's limits: 30 a second
 * overall, burst 35; 1 a second per chat). N people watch one task on Telegram; one change; `/send` and two
 * scheduled runs at once, so that all three workers send their share together. While the fan-out goes, a
 * person sends `/me` and the time until the bot's answer reaches the Bot API is measured.
 */
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requestRun } from '../src/delivery/runs.js';
import { RunModel } from '../src/db/models/index.js';
import { TelegramServer } from '../test/support/telegram-server.js';
import { startStrictBotApi } from '../test/support/strict-bot-api.js';
import { freePort } from '../test/support/ports.js';
import { SECRET_KEY, openPhase, type BenchEnv } from './env.js';
import { seedWorkload } from './seed.js';
import { sleep } from './util.js';

const BOT_TOKEN = '123456789:BENCH-token-for-the-bot-api-double';
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/main.js');
const ME = 990_000_001;

export interface SharedBudget {
  people: number;
  workers: number;
  /** Notifications a second at the Bot API: (N − 1) / (last − first). */
  rate: number;
  /** Most messages (notifications and replies) the Bot API received within any one second. */
  peakPerSecond: number;
  /** `/me` sent during the fan-out → its answer at the Bot API, ms. */
  meAnswerMs: number;
  /** Notifications that had reached the Bot API when `/me` was sent, and when it was answered. */
  sentBeforeMe: number;
  sentBeforeAnswer: number;
  honoured429: number;
  unanswered429: number;
  otherRefusals: number;
  /** Telegram messages each worker's run sent, largest first (all three worked at once). */
  perWorker: number[];
}

interface Stored {
  time: number;
  message: { chat_id: number | string; text?: string };
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string, poke?: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    poke?.();
    await sleep(poke ? 200 : 20);
  }
}

export async function measureSharedBudget(env: BenchEnv, phase: string, people: number, workers = 3): Promise<SharedBudget> {
  const telegram = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 3600 });
  await telegram.start();
  const api = await startStrictBotApi(telegram, { knownChat: () => true });
  const db = await openPhase(env, phase);
  const children: ChildProcess[] = [];
  const start = async (role: 'bot' | 'worker'): Promise<number> => {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN, `--role=${role}`], {
      env: {
        PATH: process.env.PATH,
        MONGODB_URI: db.uri,
        SECRET_KEY,
        BOT_TOKEN,
        TELEGRAM_API_ROOT: api.apiRoot,
        ADMIN_IDS: String(ME),
        HTTP_PORT: String(port),
        RUN_POLL_MS: '100',
        // Batches small enough that the three workers share the fan-out (each claims 50 people at a time).
        DISPATCH_BATCH: '50',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return port;
  };
  /** Waits until the process on `port` answers /readyz with 200. */
  const ready = async (port: number) => {
    let ok = false;
    await waitFor(
      () => ok,
      60_000,
      `the process on port ${port} to be ready`,
      () => {
        void fetch(`http://127.0.0.1:${port}/readyz`)
          .then((r) => (ok = r.ok))
          .catch(() => undefined);
      },
    );
  };
  const stored = () => telegram.storage.botMessages as unknown as Stored[];
  const toMe = () => stored().filter((m) => String(m.message.chat_id) === String(ME));
  try {
    await seedWorkload({ tasks: 1, observers: people, channels: ['telegram'] });
    await start('bot');
    const me = telegram.getClient(BOT_TOKEN, { userId: ME, chatId: ME, firstName: 'Bench', userName: 'bench' });
    // The bot is up once it answers.
    await me.sendCommand(me.makeCommand('/start'));
    await waitFor(() => toMe().length > 0, 60_000, 'the bot to answer /start');
    const repliesBefore = toMe().length;

    // `/send`, then a scheduled run for each further worker: each worker is started, and its run requested,
    // once the one before has claimed its own run, so that all of them send at once (a worker claims every
    // run it finds).
    for (let i = 0; i < workers; i++) {
      await ready(await start('worker'));
      const id = await requestRun({ trigger: i === 0 ? 'send' : 'schedule' });
      let claimed = false;
      await waitFor(
        () => claimed,
        60_000,
        `run ${i + 1} to be claimed`,
        () => {
          RunModel.exists({ _id: id, status: { $ne: 'requested' } })
            .then((r) => (claimed = r !== null))
            .catch(() => undefined);
        },
      );
    }
    const notifications = () => stored().filter((m) => String(m.message.chat_id) !== String(ME));
    await waitFor(() => notifications().length >= Math.min(100, people / 4), 120_000, 'the fan-out to be under way');
    const sentBeforeMe = notifications().length;
    const asked = Date.now();
    await me.sendCommand(me.makeCommand('/me'));
    await waitFor(() => toMe().length > repliesBefore, 60_000, 'the answer to /me');
    const answer = toMe()[repliesBefore]!;
    const sentBeforeAnswer = notifications().filter((m) => m.time <= answer.time).length;
    await waitFor(() => notifications().length >= people, 600_000, `all ${people} notifications`);
    // The runs write their results a moment after their last message: read them once they add up.
    let runs: Array<{ worker?: string | null; result?: unknown }> = [];
    const sentOf = (r: { result?: unknown }) => (r.result as { sent?: { telegram?: number } } | undefined)?.sent?.telegram ?? 0;
    for (let i = 0; i < 300; i++) {
      runs = await RunModel.find({ status: { $in: ['done', 'failed'] } }).lean();
      if (runs.reduce((a, r) => a + sentOf(r), 0) >= people) break;
      await sleep(100);
    }
    const perWorker = new Map<string, number>();
    for (const r of runs) {
      perWorker.set(String(r.worker), (perWorker.get(String(r.worker)) ?? 0) + sentOf(r));
    }

    const times = notifications()
      .map((m) => m.time)
      .sort((a, b) => a - b);
    const all = stored()
      .map((m) => m.time)
      .sort((a, b) => a - b);
    let peak = 0;
    for (let i = 0, j = 0; i < all.length; i++) {
      while (all[i]! - all[j]! >= 1000) j++;
      peak = Math.max(peak, i - j + 1);
    }
    return {
      people,
      workers,
      rate: (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000),
      peakPerSecond: peak,
      meAnswerMs: answer.time - asked,
      sentBeforeMe,
      sentBeforeAnswer,
      honoured429: api.honoured.filter((r) => r.status === 429).length,
      unanswered429: api.refusals.filter((r) => r.status === 429).length,
      otherRefusals: api.refusals.filter((r) => r.status !== 429).length,
      perWorker: [...perWorker.values()].sort((a, b) => b - a),
    };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await db.close();
    await api.close();
    await telegram.stop();
  }
}
