/**
 * `/metrics` as Prometheus reads it, after a real dispatch thread (Bree, the compiled job in dist/jobs)
 * sent e-mail (the loopback SMTP sink), SMS (the sms.ru double) and Telegram (the strict Bot API double):
 * the thread's figures reach the main thread's registry, every family is there with its type, the counts
 * are what went out, and no label names a person, an address or a task.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { PersonModel } from '../../src/db/models/index.js';
import { planPendingChanges } from '../../src/delivery/planning.js';
import { DateTime } from 'luxon';
import { createLogger } from '../../src/logger.js';
import { requestRun, waitForRun } from '../../src/delivery/runs.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { createMetrics, type TaskwatchMetrics } from '../../src/http/metrics.js';
import { saveSchedule, saveSms } from '../../src/services/settings.js';
import { CHANNELS } from '../../src/domain/types.js';
import { DELIVERY_OUTCOMES, FAILURE_CAUSES } from '../../src/delivery/metrics.js';
import { useTestDatabase } from '../support/db.js';
import { until } from '../support/wait.js';
import { countSmsParts } from '../support/sms-parts.js';
import { scrape, type Exposition } from '../support/prometheus.js';
import { edit, makePerson, makeTask, startWorld, type World } from '../support/world.js';

const db = useTestDatabase();
const logger = createLogger('silent');
let world: World;
let metrics: TaskwatchMetrics;
let http: HttpServer;
let scheduler: Scheduler;
let base: string;

beforeAll(async () => {
  world = await startWorld({ smtp: { rejectRecipients: ['gone@example.org'] } });
  metrics = createMetrics({ logger });
  http = await startHttpServer({ port: 0, host: '127.0.0.1', logger, metrics: metrics.registry });
  base = `http://127.0.0.1:${http.port}`;
  // The thread gets the world's addresses through its workerData; what it observes comes back by message.
  scheduler = new Scheduler({
    config: { ...world.config, LOG_LEVEL: 'silent' },
    logger,
    mongoUri: db.uri,
    secrets: world.secrets,
    jobsDir: path.resolve('dist/jobs'),
    pollMs: 100,
    onMetrics: (delta) => metrics.apply(delta),
  });
});
afterAll(async () => {
  await scheduler.stop();
  await http.close();
  await world.close();
});

const FAMILIES: Record<string, ParsedType> = {
  taskwatch_deliveries_total: 'counter',
  taskwatch_send_duration_seconds: 'histogram',
  taskwatch_change_to_sent_seconds: 'histogram',
  taskwatch_run_duration_seconds: 'histogram',
  taskwatch_deliveries_pending: 'gauge',
  taskwatch_deliveries_retrying: 'gauge',
  taskwatch_deliveries_held: 'gauge',
  taskwatch_deliveries_digest: 'gauge',
  taskwatch_deliveries_escalation: 'gauge',
  taskwatch_telegram_rate_limited_total: 'counter',
  taskwatch_sms_parts_total: 'counter',
  taskwatch_sms_cost_total: 'counter',
  // Node's default process metrics
  process_cpu_user_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_gc_duration_seconds: 'histogram',
};
type ParsedType = 'counter' | 'gauge' | 'histogram';

/** The label values taskwatch's own families may carry: bounded sets, nothing of a person or a task. */
const ALLOWED: Record<string, readonly string[]> = {
  channel: CHANNELS,
  outcome: DELIVERY_OUTCOMES,
  cause: FAILURE_CAUSES,
  result: ['ok', 'error'],
  trigger: ['send', 'schedule'],
};

it('serves every family before anything was sent, the queue counted from the database', async () => {
  const m = await scrape(base);
  for (const [name, type] of Object.entries(FAMILIES)) expect([name, m.family(name).type]).toEqual([name, type]);
  expect(m.value('taskwatch_deliveries_total', { channel: 'email', outcome: 'sent' })).toBe(0);
  expect(m.value('taskwatch_deliveries_pending')).toBe(0);
});

it('counts what a real dispatch thread sent, retried, failed and held, by channel and cause', async () => {
  await saveSchedule({ kind: 'off' });
  // No fallback: an SMS that fails stays an SMS failure.
  await saveSms({ provider: 'smsru', secret: 'test-api-id', secretKind: 'api_id', sender: 'TaskWatch', fallback: 'none' }, world.secrets);
  const moscow = DateTime.now().setZone('Europe/Moscow');
  const quietNow = `${moscow.minus({ hours: 1 }).toFormat('HH:mm')}-${moscow.plus({ hours: 1 }).toFormat('HH:mm')}`;
  const author = await makePerson({ name: 'Anna' });
  const people = {
    boris: await makePerson({ name: 'Boris', email: 'boris@example.org' }),
    gone: await makePerson({ name: 'Gleb', email: 'gone@example.org' }),
    clara: await makePerson({ name: 'Clara', phone: '+79120000555' }),
    dan: await makePerson({ name: 'Dan', phone: '+79120000556' }),
    fedor: await makePerson({ name: 'Fedor', phone: '+79120000557', quiet: quietNow }),
    dmitri: await makePerson({ name: 'Dmitri' }),
    eva: await makePerson({ name: 'Eva' }),
  };
  const title = 'Quarterly report for the board';
  const n = await makeTask(author, title, [
    [people.boris, ['email']],
    [people.gone, ['email']],
    [people.clara, ['sms']],
    [people.dan, ['sms']],
    [people.fedor, ['sms']],
    [people.dmitri, ['telegram']],
    [people.eva, ['telegram']],
  ]);
  world.sms.numberCodes.set('79120000556', 220); // sms.ru "retry later": a temporary failure
  // Telegram's limit tighter than the channel's own pace (as when another process sends with the same token):
  // the second message gets a 429, which the channel waits out and sends again.
  world.botApi.setLimits({ overall: { perSecond: 1, burst: 1 } });
  const changedAt = Date.now();
  await edit(n, author, 'status', 'in_progress');

  await scheduler.start();
  const id = await requestRun({ trigger: 'send' });
  scheduler.kick();
  const run = await waitForRun(id, { timeoutMs: 30_000 });
  const elapsed = (Date.now() - changedAt) / 1000;
  expect(run.sent).toEqual({ email: 1, sms: 1, telegram: 2 });
  expect(run.retrying).toBe(1);
  expect(run.held).toBe(1);

  // The run's figures are posted before its result is written; wait for the message all the same, and for
  // the queue counts, which are reused for 5 s (the first test counted an empty queue).
  let m: Exposition = await scrape(base);
  await until(
    async () =>
      (m = await scrape(base)).histogram('taskwatch_run_duration_seconds', { trigger: 'send' }).count > 0 &&
      m.value('taskwatch_deliveries_pending') > 0,
    15_000,
    'the run and the queue in /metrics',
    200,
  );

  for (const [name, type] of Object.entries(FAMILIES)) expect([name, m.family(name).type]).toEqual([name, type]);
  const deliveries = (labels: Record<string, string>) => m.value('taskwatch_deliveries_total', labels);
  expect(deliveries({ channel: 'email', outcome: 'sent' })).toBe(1);
  expect(deliveries({ channel: 'email', outcome: 'failed', cause: 'address' })).toBe(1);
  expect(deliveries({ channel: 'sms', outcome: 'sent' })).toBe(1);
  expect(deliveries({ channel: 'sms', outcome: 'retried', cause: 'other' })).toBe(1);
  expect(deliveries({ channel: 'sms', outcome: 'held' })).toBe(1);
  expect(deliveries({ channel: 'telegram', outcome: 'sent' })).toBe(2);
  const total = m.samples('taskwatch_deliveries_total').reduce((a, s) => a + s.value, 0);
  expect(total).toBe(7); // every delivery once, nothing else

  // Provider calls: each message once, the refused ones as errors; the 429 was one call of its own.
  const send = (channel: string, result: string) => m.histogram('taskwatch_send_duration_seconds', { channel, result }).count;
  expect([send('email', 'ok'), send('email', 'error')]).toEqual([1, 1]);
  expect([send('sms', 'ok'), send('sms', 'error')]).toEqual([1, 1]);
  expect([send('telegram', 'ok'), send('telegram', 'error')]).toEqual([2, 1]);
  expect(world.sink.messages).toHaveLength(1);
  expect(world.sms.accepted).toHaveLength(1);

  expect(m.value('taskwatch_telegram_rate_limited_total')).toBe(1);
  expect(world.botApi.honoured.filter((r) => r.status === 429)).toHaveLength(1);
  expect(world.botApi.refusals).toEqual([]);

  const parts = countSmsParts(world.sms.accepted[0]!.msg).parts;
  expect(m.value('taskwatch_sms_parts_total')).toBe(parts);
  expect(m.value('taskwatch_sms_cost_total')).toBeCloseTo(parts * 4.5, 6);

  for (const channel of CHANNELS) {
    const latency = m.histogram('taskwatch_change_to_sent_seconds', { channel });
    expect([channel, latency.count]).toEqual([channel, channel === 'telegram' ? 2 : 1]);
    expect(latency.sum).toBeGreaterThan(0);
    expect(latency.sum).toBeLessThanOrEqual(latency.count * elapsed);
  }
  const runs = m.histogram('taskwatch_run_duration_seconds', { trigger: 'send' });
  expect(runs.count).toBe(1);
  expect(runs.sum).toBeLessThanOrEqual(elapsed);

  // Dan waits for his retry, Fedor for the end of his quiet hours.
  expect(m.value('taskwatch_deliveries_pending')).toBe(2);
  expect(m.value('taskwatch_deliveries_retrying')).toBe(1);
  expect(m.value('taskwatch_deliveries_held')).toBe(1);

  // Bounded labels: taskwatch's own are from fixed sets; no label anywhere names a person, address or task.
  for (const l of m.labels().filter((x) => x.family.startsWith('taskwatch_'))) {
    expect([l.family, l.name, ALLOWED[l.name]?.includes(l.value) ?? false]).toEqual([l.family, l.name, true]);
  }
  const personal = Object.values(people).flatMap((p) => [p.name, String(p.telegramId), p.email, p.phone, p.phone?.slice(1)]);
  const forbidden = [...personal, author.name, title, `#${n}`].filter((s): s is string => typeof s === 'string' && s !== '');
  for (const l of m.labels()) {
    for (const word of forbidden) expect(`${l.family}{${l.name}="${l.value}"}`).not.toContain(word);
  }
  for (const word of forbidden.filter((w) => !/^\d+$/.test(w))) expect(m.text).not.toContain(word);
});

it("counts what waits for a daily digest on its own gauge, and the README's TaskwatchNothingSent rule does not fire on it", async () => {
  const author = await makePerson({ name: 'Digest author' });
  const reader = await makePerson({ name: 'Digest reader', email: 'digest@example.org' });
  await PersonModel.updateOne({ _id: reader._id }, { $set: { digestTime: '18:00' } });
  const n = await makeTask(author, 'Digest task', [[reader, ['email']]]);
  for (const title of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) await edit(n, author, 'title', `Digest task ${title}`);
  await planPendingChanges();

  // The queue counts are reused for a few seconds: wait for the new figure.
  let m = await scrape(base);
  await until(
    async () => {
      m = await scrape(base);
      return m.value('taskwatch_deliveries_digest') === 8;
    },
    30_000,
    'the digest gauge to count 8',
  );
  // The rule as the README states it: the gauges it subtracts leave nothing due.
  const readme = readFileSync('README.md', 'utf8');
  const rule = /- alert: TaskwatchNothingSent[\s\S]*?max\(([^)]*)\) > 0/.exec(readme)?.[1];
  expect(rule).toBeDefined();
  const [first, ...rest] = rule!.split(' - ').map((name) => m.value(name.trim()));
  expect(rest.length).toBeGreaterThanOrEqual(3);
  expect(first! - rest.reduce((a, b) => a + b, 0)).toBe(0);
  expect(m.value('taskwatch_deliveries_pending')).toBeGreaterThanOrEqual(8);
});
