/**
 * A. What one hostile body costs the process: bodies of 1 MB, and of just under the API's 64 KB cap, in the
 * worst shapes we found, posted to the HTTP API with a write token, while `monitorEventLoopDelay` watches the event loop.
 * The figure is the longest the event loop was blocked during the request, and the size of the answer.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLogger } from '../src/logger.js';
import { startHttpServer } from '../src/http/server.js';
import { createDeliveryService } from '../src/delivery/service.js';
import { createApiToken } from '../src/services/api-tokens.js';
import { PersonModel } from '../src/db/models/index.js';
import { openPhase, type BenchEnv } from './env.js';

export interface BodyCost {
  shape: string;
  bytes: number;
  status: number;
  /** Longest event-loop block while the request was handled, ms. */
  blockedMs: number;
  answerBytes: number;
}

const repeat = (unit: string, bytes: number) => unit.repeat(Math.floor(bytes / unit.length));

/** The shapes, each of about `size` bytes, each aimed at one part of parsing, validation or the error answer. */
function shapes(size: number): Array<{ shape: string; path: string; body: string }> {
  const many = (open: string, unit: string, close: string) =>
    `${open}${repeat(unit, size - open.length - close.length - 8).slice(0, -1)}${close}`;
  const count = (unit: string) => Math.floor(size / unit.length).toLocaleString('en-US');
  const fields = Math.floor(size / 12);
  const depth = Math.floor(size / 2) - 20;
  return [
    {
      shape: `channels: ${count('1,')} numbers (uniqueItems)`,
      path: '/api/v1/tasks/1/observers',
      body: many('{"person":"x","channels":[', '1,', ']}'),
    },
    {
      shape: `channels: ${count('"email",')} copies of "email"`,
      path: '/api/v1/tasks/1/observers',
      body: many('{"person":"x","channels":[', '"email",', ']}'),
    },
    {
      shape: `a task with ${fields.toLocaleString('en-US')} unknown fields`,
      path: '/api/v1/tasks',
      body: `{"title":"x",${Array.from({ length: fields }, (_, i) => `"f${i}":1`).join(',')}}`,
    },
    { shape: 'one long title', path: '/api/v1/tasks', body: `{"title":"${'x'.repeat(size - 20)}"}` },
    {
      shape: `description nested ${depth.toLocaleString('en-US')} arrays deep`,
      path: '/api/v1/tasks',
      body: `{"title":"x","description":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    },
    {
      shape: `${count('{},')} empty objects as channels`,
      path: '/api/v1/tasks/1/observers',
      body: many('{"person":"x","channels":[', '{},', ']}'),
    },
  ];
}

export async function measureApiBodies(env: BenchEnv, phase: string): Promise<BodyCost[]> {
  const db = await openPhase(env, phase);
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
    api: {
      logger: createLogger('silent'),
      delivery: createDeliveryService(),
      defaultTimezone: 'Europe/Moscow',
      defaultLanguage: 'en',
      ratePerMinute: 100_000,
    },
  });
  try {
    const admin = await PersonModel.create({
      telegramId: 1,
      name: 'Bench admin',
      role: 'admin',
      timezone: 'Europe/Moscow',
      language: 'en',
    });
    const { token } = (await createApiToken('bench', 'write', admin._id)) as { token: string };
    const out: BodyCost[] = [];
    // 1 MB: refused unread (the API takes 64 KB); just under 64 KB: parsed and validated in full.
    for (const s of [...shapes(1_000_000), ...shapes(64 * 1024 - 64)]) {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const res = await fetch(`http://127.0.0.1:${server.port}${s.path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: s.body,
      });
      const answer = await res.text();
      h.disable();
      out.push({
        shape: s.shape,
        bytes: Buffer.byteLength(s.body),
        status: res.status,
        blockedMs: h.max / 1e6,
        answerBytes: Buffer.byteLength(answer),
      });
    }
    return out;
  } finally {
    await server.close();
    await db.close();
  }
}
