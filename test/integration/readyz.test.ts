/**
 * `/readyz` of a worker: the database, and its dispatch thread alive with a fresh heartbeat. Real worker
 * threads: the compiled job (dist/jobs, built by `npm test`) for the normal case; for a thread that gets stuck
 * or crashes, job files in test/fixtures that do just that, run by the same Scheduler.
 */
import { SecretBox } from '../../src/secrets.js';
import path from 'node:path';
import { isDatabaseUp } from '../../src/db/connection.js';
import { createLogger } from '../../src/logger.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { loadConfig } from '../../src/config.js';
import { useTestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';

const db = useTestDatabase();
const HEARTBEAT_MS = 300;
let scheduler: Scheduler | undefined;
let app: HttpServer | undefined;

afterEach(async () => {
  await app?.close();
  await scheduler?.stop(1_000);
  scheduler = app = undefined;
});

/** The worker's log lines (warnings and worse). */
let logged: string[] = [];

async function workerWith(jobsDir: string): Promise<HttpServer> {
  const config = loadConfig({
    SECRET_KEY: 'readyz-secret-key-0123456789',
    LOG_LEVEL: 'silent',
    DISPATCH_HEARTBEAT_MS: String(HEARTBEAT_MS),
  });
  logged = [];
  const logger = createLogger('warn', { write: (line: string) => void logged.push(line) });
  scheduler = new Scheduler({ config, logger, mongoUri: db.uri, secrets: new SecretBox(config.SECRET_KEY!), jobsDir, pollMs: 100 });
  await scheduler.start();
  const s = scheduler;
  app = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    logger,
    readiness: { database: isDatabaseUp, worker: () => s.readiness(HEARTBEAT_MS) },
  });
  return app;
}

async function readyz(
  a: HttpServer,
): Promise<{ status: number; body: { status: string; reason?: string; checks?: Record<string, string> } }> {
  const res = await fetch(`http://127.0.0.1:${a.port}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string; checks?: Record<string, string> } };
}

it('is ready with the database up and the dispatch thread beating', async () => {
  const a = await workerWith(path.resolve('dist/jobs'));
  await until(async () => (await readyz(a)).body.checks?.worker === 'dispatch thread alive', 20_000, 'the first heartbeat');
  // Still ready several heartbeats later: the thread keeps beating while it waits for work.
  const since = Date.now();
  await until(() => Date.now() - since > 4 * HEARTBEAT_MS, 10_000, 'four heartbeat periods');
  expect(await readyz(a)).toEqual({ status: 200, body: { status: 'ok', checks: { database: 'up', worker: 'dispatch thread alive' } } });
});

it('answers 503 when the dispatch thread is stuck (no heartbeat for three periods)', async () => {
  const a = await workerWith(path.resolve('test/fixtures/jobs-stuck'));
  await until(async () => (await readyz(a)).status === 503, 20_000, 'the thread to count as stuck');
  const { body } = await readyz(a);
  expect(body.status).toBe('error');
  expect(body.reason).toMatch(/^dispatch thread stuck: no heartbeat for \d+ s$/);
});

it('answers 503 while the dispatch thread has crashed, and starts it again', async () => {
  const a = await workerWith(path.resolve('test/fixtures/jobs-crashing'));
  await until(async () => (await readyz(a)).status === 503, 20_000, 'the crash to be noticed');
  expect((await readyz(a)).body.reason).toMatch(/^dispatch thread failed: .*crashed on purpose/);
  // It is started again, crashes again, and is started again: never a 200 meanwhile.
  const seen = new Set<number>();
  const restarts = () => logged.filter((l) => l.includes('the dispatch thread failed; starting it again')).length;
  await until(
    async () => {
      seen.add((await readyz(a)).status);
      return restarts() >= 2;
    },
    20_000,
    'the thread to be started again after crashing',
  );
  expect([...seen]).toEqual([503]);
});
