/**
 * The mixed ceiling again, with the channels' clients in a worker thread of their own and the SMTP sink and
 * the sms.ru double left on the benchmark's main thread: as taskwatch's dispatch thread sends. Run by
 * measureCeiling (bench/ceiling.ts); posts the messages per second.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { mailer, smsSender } from './ceiling.js';
import type { BenchEnv } from './env.js';
import { runPool } from '../src/delivery/pool.js';

export interface ThreadCeilingJob {
  smtpPort: number;
  smsBaseUrl: string;
  n: number;
  warmUp: number;
  smtpConnections: number;
  concurrency: number;
}

const job = workerData as ThreadCeilingJob;
// The two clients read only these of the environment.
const env = { sink: { port: job.smtpPort }, sms: { baseUrl: job.smsBaseUrl } } as unknown as BenchEnv;
const m = mailer(env, job.smtpConnections);
const s = smsSender(env);
const mix = (i: number) => (i % 2 ? s.send(i) : m.send(i));
try {
  // Connections opened and code warmed, as in the main thread's mixed run (after its e-mail and SMS runs).
  await runPool(
    Array.from({ length: job.warmUp }, (_, i) => i),
    job.concurrency,
    mix,
  );
  const t0 = performance.now();
  await runPool(
    Array.from({ length: job.n }, (_, i) => i),
    job.concurrency,
    mix,
  );
  parentPort?.postMessage(job.n / ((performance.now() - t0) / 1000));
} finally {
  m.close();
  s.close();
}
