import mongoose from 'mongoose';
import { createLogger } from '../../src/logger.js';
import { connectMongoose } from '../../src/db/connection.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { createMetrics } from '../../src/http/metrics.js';
import { testMongoUri, useTestDatabase } from '../support/db.js';

const { dbName } = useTestDatabase();
const logger = createLogger('silent');

let server: HttpServer;
let base: string;
const webhookCalls: { method?: string; url?: string; body: string }[] = [];
const WEBHOOK_SECRET = 'hook_Secret-token-0123456789';
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

beforeAll(async () => {
  server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    logger,
    metrics: createMetrics({
      logger,
      processMetrics: false,
      countQueue: async () => ({ pending: 3, retrying: 2, held: 1, digest: 0, escalation: 0 }),
    }).registry,
    webhook: {
      path: '/telegram/hook-secret',
      secretToken: WEBHOOK_SECRET,
      handler: (req, res) => {
        // The server has read the body (at most 1 MB) and hands it over as req.body.
        const body = String((req as typeof req & { body?: Buffer }).body ?? '');
        webhookCalls.push({ method: req.method, url: req.url, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      },
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.close();
});

describe('HTTP server', () => {
  it('listens on the port the system chose', () => {
    expect(server.port).toBeGreaterThan(0);
  });

  it('reports healthy while the database answers', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok', db: 'up' });
  });

  it('serves metrics in the Prometheus text format, prefixed taskwatch_', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE taskwatch_deliveries_pending gauge\ntaskwatch_deliveries_pending 3\n');
    expect(text).toContain('# TYPE taskwatch_deliveries_retrying gauge\ntaskwatch_deliveries_retrying 2\n');
    expect(text).toContain('# TYPE taskwatch_deliveries_held gauge\ntaskwatch_deliveries_held 1\n');
    for (const line of text.split('\n').filter(Boolean)) {
      expect(line).toMatch(/^(# (HELP|TYPE) taskwatch_[a-zA-Z0-9_:]+ .+|taskwatch_[a-zA-Z0-9_:]+(\{[^}]*\})? (-?[\d.e+]+|NaN|\+Inf))$/);
    }
  });

  it('answers 404 with JSON for an unknown path', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'error', error: 'not found' });
  });

  it('hands a POST to the webhook path to the webhook handler, body untouched', async () => {
    const update = JSON.stringify({ update_id: 1, message: { text: 'привет' } });
    const res = await fetch(`${base}/telegram/hook-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SECRET_HEADER]: WEBHOOK_SECRET },
      body: update,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(webhookCalls).toEqual([{ method: 'POST', url: '/telegram/hook-secret', body: update }]);
  });

  it('refuses a webhook request without the secret token, or with a wrong one (401), handling nothing', async () => {
    const update = JSON.stringify({ update_id: 2, message: { text: 'x' } });
    const variants: Array<Record<string, string>> = [{}, { [SECRET_HEADER]: 'wrong' }, { [SECRET_HEADER]: `${WEBHOOK_SECRET}x` }];
    for (const headers of variants) {
      const res = await fetch(`${base}/telegram/hook-secret`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: update,
      });
      expect(res.status).toBe(401);
    }
    expect(webhookCalls).toHaveLength(1);
  });

  it('refuses a webhook body over 1 MB (413), handling nothing', async () => {
    const big = JSON.stringify({ update_id: 3, message: { text: 'x'.repeat(1024 * 1024 + 10) } });
    const res = await fetch(`${base}/telegram/hook-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SECRET_HEADER]: WEBHOOK_SECRET },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(webhookCalls).toHaveLength(1);
  });

  it('refuses other methods on the webhook path', async () => {
    const res = await fetch(`${base}/telegram/hook-secret`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(webhookCalls).toHaveLength(1);
  });

  it('reports 503 once the database connection is gone, and 200 again when it is back', async () => {
    await mongoose.disconnect();
    try {
      const res = await fetch(`${base}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'error', db: 'down' });
    } finally {
      await connectMongoose(testMongoUri(), dbName);
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('reports 503 when the database address has no server behind it', async () => {
    await mongoose.disconnect();
    try {
      await expect(mongoose.connect('mongodb://127.0.0.1:1/none', { serverSelectionTimeoutMS: 300 })).rejects.toThrow();
      const res = await fetch(`${base}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'error', db: 'down' });
    } finally {
      await mongoose.disconnect();
      // reconnect so the shared clean-up can drop this file's database
      await connectMongoose(testMongoUri(), dbName);
    }
  });
});

describe('HTTP server edge cases', () => {
  it('with METRICS_TOKEN, serves /metrics only to a scraper that sends it', async () => {
    const token = 'metrics-token-0123456789';
    const s = await startHttpServer({ port: 0, host: '127.0.0.1', logger, metricsToken: token });
    try {
      const url = `http://127.0.0.1:${s.port}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      // Health stays open for the orchestrator.
      expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).not.toBe(401);
    } finally {
      await s.close();
    }
  });

  it('serves an empty exposition when no metrics callback is given', async () => {
    const s = await startHttpServer({ port: 0, host: '127.0.0.1', logger });
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
    } finally {
      await s.close();
    }
  });

  it('answers 500 when the registry fails, and logs the error', async () => {
    const lines: string[] = [];
    const s = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      logger: createLogger('error', { write: (l: string) => void lines.push(l) }),
      metrics: {
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        metrics: async () => {
          throw new Error('count failed');
        },
      },
    });
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/metrics`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ status: 'error', error: 'internal error' });
      expect(lines.join('')).toContain('count failed');
    } finally {
      await s.close();
    }
  });

  it('closes with keep-alive connections open, and stops accepting', async () => {
    const s = await startHttpServer({ port: 0, host: '127.0.0.1', logger });
    const url = `http://127.0.0.1:${s.port}/nope`;
    const first = await fetch(url, { headers: { connection: 'keep-alive' } });
    await first.text();
    await s.close();
    await s.close(); // a second call is harmless
    await expect(fetch(url)).rejects.toThrow();
  });

  it('refuses to start on a port that is taken', async () => {
    await expect(startHttpServer({ port: server.port, host: '127.0.0.1', logger })).rejects.toThrow(/EADDRINUSE/);
  });
});
