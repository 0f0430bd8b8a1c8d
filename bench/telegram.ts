/**
 * T. Telegram fan-out against Telegram's own limits: N people watch one task on Telegram, one change,
 * `/send` (a Run request, `Scheduler.kick()`, a real Bree dispatch thread from dist/jobs). The Bot API is
 * the strict double of the tests (test/support/strict-bot-api.ts) in front of telegram-test-api: it
 * enforces 30 messages a second overall and 1 a second per chat as token buckets (bursts 35 and 3) and
 * answers 429 with `retry_after` past them; a 429 counts as honoured when the same request comes again
 * once retry_after has passed, and stays unanswered otherwise.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../src/logger.js';
import { requestRun } from '../src/delivery/runs.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { loadConfig } from '../src/config.js';
import { TelegramServer } from '../test/support/telegram-server.js';
import { startStrictBotApi } from '../test/support/strict-bot-api.js';
import { freePort } from '../test/support/ports.js';
import { awaitRun } from './engine.js';
import { openPhase, type BenchEnv } from './env.js';
import { seedWorkload, sentSpan } from './seed.js';

const BOT_TOKEN = '123456789:BENCH-token-for-the-bot-api-double';
const JOBS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../jobs');

export interface TelegramFanout {
  people: number;
  /** Messages a second while sending, as the Bot API received them: (N − 1) / (last − first). */
  rate: number;
  /** Request → the first message at the Bot API, ms (thread start, planning, the first claim and leases). */
  firstMs: number;
  /** Request → last `sentAt` recorded, ms. */
  totalMs: number;
  /** Most messages the Bot API received within any one second. */
  peakPerSecond: number;
  /** 429s answered as Telegram asks, and those not (sent again too early, or never). */
  honoured429: number;
  unanswered429: number;
  /** Every other refusal of the double (must be none). */
  otherRefusals: number;
}

export async function measureTelegramFanout(env: BenchEnv, phase: string, people: number): Promise<TelegramFanout> {
  const telegram = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 3600 });
  await telegram.start();
  // Everyone watching has written to the bot once (they subscribed through it).
  const api = await startStrictBotApi(telegram, { knownChat: () => true });
  const db = await openPhase(env, phase);
  const sched = new Scheduler({
    config: { ...loadConfig(process.env), BOT_TOKEN, TELEGRAM_API_ROOT: api.apiRoot },
    logger: createLogger('warn'),
    mongoUri: db.uri,
    secrets: env.secrets,
    pollMs: 250,
    jobsDir: JOBS_DIR,
  });
  try {
    const seeded = await seedWorkload({ tasks: 1, observers: people, channels: ['telegram'] });
    const t0 = Date.now();
    const id = await requestRun({ trigger: 'send' });
    sched.kick();
    const result = await awaitRun(id, { pollMs: 100, stallMs: 120_000 });
    const span = await sentSpan();
    if (span.sent !== seeded.deliveries || telegram.storage.botMessages.length !== seeded.deliveries) {
      throw new Error(
        `run ${id}: ${span.sent} of ${seeded.deliveries} recorded as sent, ${telegram.storage.botMessages.length} reached the Bot API: ${JSON.stringify(result)}`,
      );
    }
    // When the Bot API got each message (telegram-test-api stamps it on arrival).
    const times = (telegram.storage.botMessages as unknown as Array<{ time: number }>).map((m) => m.time).sort((a, b) => a - b);
    let peak = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 1000) j++;
      peak = Math.max(peak, i - j + 1);
    }
    const first = times[0]!;
    const last = times.at(-1)!;
    return {
      people,
      rate: (times.length - 1) / ((last - first) / 1000),
      firstMs: first - t0,
      totalMs: span.last!.getTime() - t0,
      peakPerSecond: peak,
      honoured429: api.honoured.filter((r) => r.status === 429).length,
      unanswered429: api.refusals.filter((r) => r.status === 429).length,
      otherRefusals: api.refusals.filter((r) => r.status !== 429).length,
    };
  } finally {
    await sched.stop();
    await db.close();
    await api.close();
    await telegram.stop();
  }
}
