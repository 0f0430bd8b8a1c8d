/**
 * 1. The ceiling: the channels alone, no database. A pooled nodemailer transport (as many connections as
 * the app's e-mail channel opens) blasting messages into the sink, and form POSTs into the sms.ru double
 * with the app's concurrency. The messages are the app's own templates, rendered once. The mix is measured
 * twice: with the clients on this thread, beside the sink and the double (the measure, which the
 * goal uses), and with the clients in a worker thread of their own (bench/ceiling-thread.ts), as the
 * dispatch thread sends.
 */
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import type { ThreadCeilingJob } from './ceiling-thread.js';
import nodemailer from 'nodemailer';
import fetch from 'node-fetch';
import { renderEmail, renderSms, type NotificationItem } from '../src/domain/templates.js';
import { notificationWords } from '../src/i18n/notification-words.js';
import { fitSms } from '../src/domain/sms-segments.js';
import type { BenchEnv } from './env.js';
import { MAIL_FROM, SMS_API_ID } from './env.js';
import { runPool } from '../src/delivery/pool.js';

const item: NotificationItem = {
  task: {
    number: 17,
    title: 'Benchmark task 17: replace the pump in building 17',
    status: 'in_progress',
    priority: 'high',
    due: null,
    description: 'The pump in the basement is loud and leaks; order a new one and book the plumber.',
  },
  actor: 'Author',
  at: new Date(),
  fields: [{ field: 'status', from: 'new', to: 'in_progress' }],
};
const opts = { words: notificationWords('ru'), timezone: 'Europe/Moscow', personName: 'Observer' };
export const SAMPLE_EMAIL = renderEmail([item], {}, opts);
export const SAMPLE_SMS = fitSms(renderSms([item], undefined, opts), 3).text;

export interface Mailer {
  send(i: number): Promise<void>;
  close(): void;
}

/** nodemailer into the sink: pooled (`maxConnections`) or a new connection per message (`pool: false`). */
export function mailer(env: BenchEnv, poolConnections: number | false): Mailer {
  const base = { host: '127.0.0.1', port: env.sink.port, secure: false, ignoreTLS: true, logger: false, debug: false } as const;
  const make = () =>
    poolConnections === false
      ? nodemailer.createTransport({ ...base })
      : nodemailer.createTransport({ ...base, pool: true, maxConnections: poolConnections, maxMessages: Infinity });
  const shared = poolConnections === false ? undefined : make();
  return {
    async send(i: number) {
      const transport = shared ?? make();
      try {
        await transport.sendMail({
          from: MAIL_FROM,
          to: `p${i}@example.org`,
          subject: SAMPLE_EMAIL.subject,
          text: SAMPLE_EMAIL.text,
          html: SAMPLE_EMAIL.html,
          messageId: `<bench-${i}-${Date.now()}@example.org>`,
          headers: { 'X-Taskwatch-Task': '17' },
        });
      } finally {
        if (!shared) transport.close();
      }
    },
    close: () => shared?.close(),
  };
}

/** sms.ru `sms/send` POSTs; with `keepAlive: false` every request opens a connection of its own. */
export function smsSender(env: BenchEnv, keepAlive = true): { send(i: number): Promise<void>; close(): void } {
  // node-fetch uses Node's global agent (keep-alive since Node 19), as the app's SMS client does.
  const agent = keepAlive ? undefined : new http.Agent({ keepAlive: false });
  return {
    async send(i: number) {
      const res = await fetch(`${env.sms.baseUrl}/sms/send`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams({
          api_id: SMS_API_ID,
          to: `7912${String(i).padStart(7, '0')}`,
          msg: SAMPLE_SMS,
          from: 'TaskWatch',
          json: '1',
        }).toString(),
        ...(agent ? { agent } : {}),
      });
      const body = (await res.json()) as { status?: string };
      if (body.status !== 'OK') throw new Error(`sms.ru double answered ${JSON.stringify(body)}`);
    },
    close: () => agent?.destroy(),
  };
}

export interface CeilingResult {
  email: number;
  sms: number;
  /** Half e-mail, half SMS through one pool of `concurrency`, as a dispatch run mixes them. */
  mixed: number;
  /**
   * The same mix with the clients in a worker thread and the sink and the double on this one, as the dispatch
   * thread sends (bench/ceiling-thread.ts).
   */
  mixedThread: number;
}

/** Messages per second of each: `n` e-mails, `n` SMS, and `n` of a half-and-half mix. */
export async function measureCeiling(env: BenchEnv, n: number, smtpConnections: number, concurrency: number): Promise<CeilingResult> {
  const rate = async (count: number, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    return count / ((performance.now() - t0) / 1000);
  };
  const ids = Array.from({ length: n }, (_, i) => i);
  const before = env.sink.count;

  const m1 = mailer(env, smtpConnections);
  // Queue everything at once: the pool itself limits the connections; a window keeps memory flat.
  const email = await rate(n, () => runPool(ids, Math.max(64, concurrency), (i) => m1.send(i)));
  m1.close();

  const s1 = smsSender(env);
  const sms = await rate(n, () => runPool(ids, concurrency, (i) => s1.send(i)));

  const m2 = mailer(env, smtpConnections);
  const mixed = await rate(n, () => runPool(ids, concurrency, (i) => (i % 2 ? s1.send(i) : m2.send(i))));
  m2.close();
  s1.close();

  const received = env.sink.count - before;
  const expected = n + Math.ceil(n / 2);
  if (received !== expected) throw new Error(`ceiling: the sink counted ${received} messages, expected ${expected}`);
  env.sms.reset();

  const warmUp = 200;
  const beforeThread = env.sink.count;
  const mixedThread = await threadCeiling({
    smtpPort: env.sink.port,
    smsBaseUrl: env.sms.baseUrl,
    n,
    warmUp,
    smtpConnections,
    concurrency,
  });
  const inThread = env.sink.count - beforeThread;
  const expectedInThread = Math.ceil(warmUp / 2) + Math.ceil(n / 2);
  if (inThread !== expectedInThread)
    throw new Error(`ceiling (thread): the sink counted ${inThread} messages, expected ${expectedInThread}`);
  env.sms.reset();
  return { email, sms, mixed, mixedThread };
}

/** Runs bench/ceiling-thread.ts in a worker thread; its messages per second. */
function threadCeiling(job: ThreadCeilingJob): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./ceiling-thread.js', import.meta.url), { workerData: job });
    let rate: number | undefined;
    worker.once('message', (m: number) => (rate = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (rate === undefined ? reject(new Error(`the ceiling thread exited with ${code}`)) : resolve(rate)));
  });
}
