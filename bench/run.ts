/**
 * taskwatch delivery benchmark (issue 5): `npm run bench -- --help`.
 *
 * Starts what it needs on loopback — the database from MONGODB_URI (or an embedded mongodb-memory-server),
 * a countOnly SMTP sink, the sms.ru double — and prints one table: the channels' ceiling, a naive sender,
 * taskwatch end to end, /send latency, worker memory, and the bare database operations of one batch.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaults } from '../config/defaults.js';
import { startEnv } from './env.js';
import { measureCeiling, type CeilingResult } from './ceiling.js';
import { measureNaive } from './naive.js';
import { WORKED_TASKS, measureLatency, measureRun, type RunTiming } from './engine.js';
import { measureMemory, type MemoryResult } from './memory.js';
import { measureDbOps, type DbOpsResult } from './dbops.js';
import { outcomeWrites, profileRun, writesPerDelivery, type Profile } from './profile.js';
import { measureTelegramFanout } from './telegram.js';
import { measureSharedBudget } from './telegram-shared.js';
import { measureApiBodies } from './api-body.js';
import { fmt, log, machine, median, percentile, table, type Row } from './util.js';

const SECTIONS = ['ceiling', 'naive', 'taskwatch', 'latency', 'telegram', 'tgshared', 'apibody', 'profile', 'dbops', 'memory'] as const;
type Section = (typeof SECTIONS)[number];

const HELP = `Usage: npm run bench -- [options]

  --deliveries N     taskwatch end-to-end run: N deliveries (tasks × observers × e-mail+SMS)   [2000; 200 on FerretDB]
  --observers K      observers per task in that run (each a person on e-mail and SMS)           [5]
  --ceiling N        messages of each ceiling blast (e-mail, SMS, mixed)                       [max(1000, --deliveries)]
  --naive N          deliveries the naive sender sends, out of a backlog of --deliveries      [30]
  --repeat R         runs of each throughput row; the table shows the median                   [3]
  --latency R        /send → first delivery: R runs (after one warm-up)                         [20]
  --latency-size N   deliveries per latency run                                                 [10]
  --telegram N       Telegram fan-out: N people watching one task on Telegram, one change, /send [1000]
                     (also the size of the one-budget row: a bot and 3 workers, /me during it)
  --memory N[,N…]    worker process peak RSS with N pending deliveries each; 0 skips           [10000]
  --memory-window S  stop watching a memory run after S seconds (reported as partial)          [45]
  --dbops N[,N…]     backlogs for the per-batch database-operation timing                      [= --deliveries]
  --profile N[,N…]   pending deliveries of each profiled run (write statements per delivery;
                     two or more sizes: the cost growth from the smallest to the largest)       [= --deliveries]
  --dispatch-batch N DISPATCH_BATCH of the runs and of the database-operation timing             [${defaults.DISPATCH_BATCH}]
  --only A,B         run only these sections: ${SECTIONS.join(', ')}
  --json FILE        also write every figure as JSON
  --help

Database: MONGODB_URI (each phase uses a fresh database bench-<run>-<phase>, dropped afterwards);
unset, an embedded MongoDB (mongodb-memory-server-core) is started, which needs internet the first time.
Build first (npm run bench does): the dispatch job runs from dist/jobs.`;

function parse() {
  const { values } = parseArgs({
    options: {
      deliveries: { type: 'string' },
      observers: { type: 'string', default: '5' },
      ceiling: { type: 'string' },
      naive: { type: 'string', default: '30' },
      repeat: { type: 'string', default: '3' },
      latency: { type: 'string', default: '20' },
      'latency-size': { type: 'string', default: '10' },
      memory: { type: 'string', default: '10000' },
      telegram: { type: 'string', default: '1000' },
      'memory-window': { type: 'string', default: '45' },
      dbops: { type: 'string' },
      profile: { type: 'string' },
      'dispatch-batch': { type: 'string' },
      only: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, min = 1) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min} (got ${v})`);
    return n;
  };
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...SECTIONS];
  for (const s of only)
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section "${s}" (${SECTIONS.join(', ')})`);
  const list = (name: string, v: string) =>
    v
      .split(',')
      .map((x) => int(name, x.trim(), 0))
      .filter((n) => n > 0);
  return {
    /** Undefined: 2000, or 200 on FerretDB (decided once the database is known). */
    deliveries: values.deliveries !== undefined ? int('deliveries', values.deliveries, 2) : undefined,
    observers: int('observers', values.observers),
    ceiling: values.ceiling !== undefined ? int('ceiling', values.ceiling) : undefined,
    naive: int('naive', values.naive, 2),
    repeat: int('repeat', values.repeat),
    latency: int('latency', values.latency),
    latencySize: int('latency-size', values['latency-size'], 2),
    memory: list('memory', values.memory),
    telegram: int('telegram', values.telegram, 2),
    memoryWindowS: int('memory-window', values['memory-window']),
    dbops: values.dbops !== undefined ? list('dbops', values.dbops) : undefined,
    profile: values.profile !== undefined ? list('profile', values.profile) : undefined,
    dispatchBatch: values['dispatch-batch'] !== undefined ? int('dispatch-batch', values['dispatch-batch']) : undefined,
    only: new Set(only as Section[]),
    json: values.json,
  };
}

async function main() {
  const opts = parse();
  const concurrency = Number(defaults.DISPATCH_CONCURRENCY);
  const smtpConnections = 5; // createEmailChannel's default maxConnections, which buildChannels keeps
  const env = await startEnv();
  const m = machine(env.databaseKind);
  log(`${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.database}`);

  const batch = opts.dispatchBatch ?? Number(defaults.DISPATCH_BATCH);
  process.env.DISPATCH_BATCH = String(batch); // read by the worker threads and the worker process
  const deliveries = opts.deliveries ?? (env.ferret ? 200 : 2000);
  const tasks = Math.max(1, Math.round(deliveries / (2 * opts.observers)));
  const n = tasks * opts.observers * 2;
  const ceilingN = opts.ceiling ?? Math.max(1000, n);
  const dbopsBacklogs = opts.dbops ?? [n];

  const rows: Row[] = [];
  /** The issue-22 goals measured in this run, for the last line. */
  const goals: Array<{ what: string; value: number; unit: string; goal: string; ok: boolean }> = [];
  const raw: Record<string, unknown> = {};
  const t0 = performance.now();
  const repeatRows = async <T>(label: string, fn: (i: number) => Promise<T>): Promise<T[]> => {
    const out: T[] = [];
    for (let i = 0; i < opts.repeat; i++) {
      log(`${label}: run ${i + 1}/${opts.repeat}`);
      out.push(await fn(i));
    }
    return out;
  };

  try {
    let ceiling: CeilingResult | undefined;
    if (opts.only.has('ceiling') || opts.only.has('taskwatch')) {
      const runs = await repeatRows(`ceiling (${ceilingN} messages)`, () => measureCeiling(env, ceilingN, smtpConnections, concurrency));
      raw.ceiling = runs;
      ceiling = {
        email: median(runs.map((r) => r.email)),
        sms: median(runs.map((r) => r.sms)),
        mixed: median(runs.map((r) => r.mixed)),
        mixedThread: median(runs.map((r) => r.mixedThread)),
      };
      rows.push(
        {
          section: '1',
          what: `ceiling: pooled nodemailer (${smtpConnections} connections) → SMTP sink`,
          n: ceilingN,
          value: ceiling.email,
          unit: 'msg/s',
          samples: runs.map((r) => r.email),
        },
        {
          section: '1',
          what: `ceiling: node-fetch POSTs (${concurrency} at a time) → sms.ru double`,
          n: ceilingN,
          value: ceiling.sms,
          unit: 'msg/s',
          samples: runs.map((r) => r.sms),
        },
        {
          section: '1',
          what: `ceiling: ½ e-mail + ½ SMS, ${concurrency} at a time (the run's mix)`,
          n: ceilingN,
          value: ceiling.mixed,
          unit: 'msg/s',
          samples: runs.map((r) => r.mixed),
          note: 'the clients on the thread that runs the sink and the double',
        },
        {
          section: '1',
          what: `ceiling: the same mix, the clients in a worker thread of their own`,
          n: ceilingN,
          value: ceiling.mixedThread,
          unit: 'msg/s',
          samples: runs.map((r) => r.mixedThread),
          note: 'as the dispatch thread sends: the sink and the double on the main thread',
        },
      );
    }

    let naive: number | undefined;
    if (opts.only.has('naive') || opts.only.has('taskwatch')) {
      const runs = await repeatRows(`naive sender (${opts.naive} of ${n} deliveries)`, (i) =>
        measureNaive(env, opts.naive, n, `naive${i}`),
      );
      raw.naive = runs;
      naive = median(runs);
      rows.push({
        section: '2',
        what: 'naive: 1 at a time, new connection each, updateOne per status',
        n: opts.naive,
        value: naive,
        unit: 'msg/s',
        samples: runs,
        note: `${opts.naive} sent out of a backlog of ${n}, as the run gets`,
      });
    }

    if (opts.only.has('taskwatch')) {
      const spec = { tasks, observers: opts.observers };
      const e2e = await repeatRows(`taskwatch run (${n} deliveries, planning inside, dispatch thread resident)`, (i) =>
        measureRun(env, `run${i}`, { ...spec, prePlan: false, thread: 'resident' }),
      );
      const first = await repeatRows(`taskwatch run (${n} deliveries, planning inside, a resident thread's first sends)`, (i) =>
        measureRun(env, `first${i}`, { ...spec, prePlan: false, thread: 'resident, first sends' }),
      );
      const cold = await repeatRows(`taskwatch run (${n} deliveries, planning inside, thread started by the run)`, (i) =>
        measureRun(env, `cold${i}`, { ...spec, prePlan: false, thread: 'started by the run' }),
      );
      const pre = await repeatRows(`taskwatch run (${n} deliveries, planned beforehand)`, (i) =>
        measureRun(env, `pre${i}`, { ...spec, prePlan: true, thread: 'resident' }),
      );
      raw.taskwatch = { e2e, residentFirstSends: first, threadStartedByTheRun: cold, prePlanned: pre };
      const med = (runs: RunTiming[], k: keyof RunTiming) => median(runs.map((r) => Number(r[k])));
      const rate = med(e2e, 'rate');
      rows.push(
        {
          section: '3',
          what: `taskwatch: /send run, ${tasks} tasks × ${opts.observers} observers × e-mail+SMS (worker at work)`,
          n,
          value: rate,
          unit: 'deliv/s',
          samples: e2e.map((r) => r.rate),
          note: `dispatch thread resident, a run of ${WORKED_TASKS * opts.observers * 2} sent before; request→last sentAt ${fmt(med(e2e, 'totalMs'))} ms = run claim ${fmt(med(e2e, 'startMs'))} + planning, claim & context to the first message ${fmt(med(e2e, 'toFirstMs'))} + sending ${fmt(med(e2e, 'sendMs'))}`,
        },
        {
          section: '3',
          what: "taskwatch: same run, a resident thread's first sends",
          n,
          value: med(first, 'rate'),
          unit: 'deliv/s',
          samples: first.map((r) => r.rate),
          note: `connected, channels built, nothing sent yet: V8 compiles the sending code during the run; first message ${fmt(med(first, 'toFirstMs'))} ms after the claim`,
        },
        {
          section: '3',
          what: 'taskwatch: same run, the thread started by its kick',
          n,
          value: med(cold, 'rate'),
          unit: 'deliv/s',
          samples: cold.map((r) => r.rate),
          note: `a worker's first /send, or one after DISPATCH_IDLE_MS idle: thread start & run claim ${fmt(med(cold, 'startMs'))} ms of ${fmt(med(cold, 'totalMs'))}`,
        },
        {
          section: '3',
          what: 'taskwatch: same run, sending phase only (first sentAt → last sentAt)',
          n,
          value: median(e2e.map((r) => r.deliveries / (r.sendMs / 1000))),
          unit: 'deliv/s',
          samples: e2e.map((r) => r.deliveries / (r.sendMs / 1000)),
        },
        {
          section: '3',
          what: 'taskwatch: planned beforehand, then the /send run (worker at work)',
          n,
          value: med(pre, 'rate'),
          unit: 'deliv/s',
          samples: pre.map((r) => r.rate),
          note: `planning alone (this process): ${fmt(med(pre, 'prePlanMs'))} ms = ${fmt(n / (med(pre, 'prePlanMs') / 1000))} deliv/s`,
        },
      );
      if (ceiling) {
        rows.push({
          section: '3',
          what: 'ratio end to end / ceiling (mixed)',
          n: '',
          value: rate / ceiling.mixed,
          unit: '×',
          note: `goal ≥ 0.5; a resident thread's first sends: ${fmt(med(first, 'rate') / ceiling.mixed)} ×; the thread started by the run: ${fmt(med(cold, 'rate') / ceiling.mixed)} ×; against the mix sent from a thread of its own: ${fmt(rate / ceiling.mixedThread)} ×`,
        });
        goals.push({
          what: `end to end / ceiling at ${n} (worker at work)`,
          value: rate / ceiling.mixed,
          unit: '×',
          goal: '≥ 0.5',
          ok: rate / ceiling.mixed >= 0.5,
        });
      }
      if (naive)
        rows.push({ section: '3', what: 'ratio end to end / naive sender', n: '', value: rate / naive, unit: '×', note: 'goal ≥ 10' });
    }

    if (opts.only.has('latency')) {
      const obs = Math.max(1, Math.round(opts.latencySize / 2));
      const size = `${opts.latency}×${obs * 2}`;
      const lat: Record<string, { firstMs: number[]; lastMs: number[] }> = {};
      for (const mode of ['cold', 'warm'] as const) {
        log(`latency (${mode}): ${opts.latency} runs of ${obs * 2} deliveries`);
        const r = (lat[mode] = await measureLatency(env, `latency-${mode}`, opts.latency, obs, mode));
        const label =
          mode === 'cold'
            ? '/send → first delivery sent (Scheduler.kick → dispatch thread)'
            : 'same, carried out in this process (no thread at all)';
        rows.push(
          { section: '4', what: `${label}: p50`, n: size, value: percentile(r.firstMs, 50), unit: 'ms', samples: r.firstMs },
          {
            section: '4',
            what: `${label}: p95`,
            n: size,
            value: percentile(r.firstMs, 95),
            unit: 'ms',
            note: mode === 'cold' ? 'goal ≤ 500 ms' : 'the floor: the run without any thread',
          },
        );
        if (mode === 'cold')
          rows.push({
            section: '4',
            what: '/send → last delivery of the run sent: p50',
            n: size,
            value: percentile(r.lastMs, 50),
            unit: 'ms',
            samples: r.lastMs,
          });
      }
      raw.latency = lat;
    }

    if (opts.only.has('telegram')) {
      log(`telegram fan-out: ${opts.telegram} people on Telegram, one change, /send, against the strict Bot API double`);
      const t = await measureTelegramFanout(env, 'telegram', opts.telegram);
      raw.telegram = t;
      rows.push(
        {
          section: 'T',
          what: `Telegram fan-out: ${opts.telegram.toLocaleString('en-US')} people watching one task on Telegram, one change, /send`,
          n: t.people,
          value: t.rate,
          unit: 'msg/s',
          note: `Telegram's limit 30/s (1/s per chat); at the Bot API: at most ${t.peakPerSecond} in any second; request→first message ${fmt(t.firstMs / 1000)} s, →last recorded sent ${fmt(t.totalMs / 1000)} s`,
        },
        {
          section: 'T',
          what: 'Telegram fan-out: 429 Too Many Requests answered as asked (retry_after waited out)',
          n: t.people,
          value: t.honoured429,
          unit: '429s',
          note: `unanswered 429s: ${t.unanswered429} (must be 0); other refusals: ${t.otherRefusals}`,
        },
      );
    }

    if (opts.only.has('tgshared')) {
      log(`telegram, one budget: a bot and 3 workers, ${opts.telegram} people on Telegram, one change, /send, /me during it`);
      const t = await measureSharedBudget(env, 'tgshared', opts.telegram, 3);
      raw.tgshared = t;
      rows.push(
        {
          section: 'S',
          what: `One Telegram budget: bot + ${t.workers} workers, ${t.people.toLocaleString('en-US')} people on Telegram, one change, /send`,
          n: t.people,
          value: t.rate,
          unit: 'msg/s',
          note: `goal ≤ 30/s overall; busiest second at the Bot API: ${t.peakPerSecond} (goal ≤ 35); 429s honoured ${t.honoured429}, unanswered ${t.unanswered429} (goal 0), other refusals ${t.otherRefusals}; sent per worker: ${t.perWorker.join(' / ')}`,
        },
        {
          section: 'S',
          what: 'One Telegram budget: /me sent during that fan-out, answered at the Bot API after',
          n: 1,
          value: t.meAnswerMs / 1000,
          unit: 's',
          note: `goal ≤ 2 s; notifications at the Bot API when /me was sent: ${t.sentBeforeMe}, when it was answered: ${t.sentBeforeAnswer}`,
        },
      );
    }

    if (opts.only.has('apibody')) {
      log('API bodies: about 1 MB each, in the worst shapes found, while the event loop is watched');
      const costs = await measureApiBodies(env, 'apibody');
      raw.apibody = costs;
      for (const c of costs) {
        rows.push({
          section: 'A',
          what: `API body of ${(c.bytes / 1e6).toFixed(2)} MB: ${c.shape}`,
          n: 1,
          value: c.blockedMs,
          unit: 'ms',
          note: `longest event-loop block (goal < 50 ms); answered ${c.status} in ${c.answerBytes.toLocaleString('en-US')} bytes`,
        });
      }
    }

    if (opts.only.has('profile')) {
      const profiles: Record<string, Profile> = {};
      for (const size of opts.profile ?? [n]) {
        const t = Math.max(1, Math.round(size / (2 * opts.observers)));
        log(`profile: one run of ${t * opts.observers * 2} planned deliveries in this process, with command monitoring`);
        const p = (profiles[size] = await profileRun(env, `profile${size}`, { tasks: t, observers: opts.observers }));
        rows.push(
          {
            section: 'P',
            what: 'profile: the run (planned beforehand, in this process), deliveries per second',
            n: p.deliveries,
            value: p.deliveries / (p.totalMs / 1000),
            unit: 'deliv/s',
          },
          ...Object.entries(writesPerDelivery(p)).map(([what, perDelivery]) => ({
            section: 'P',
            what: `profile: write statements per delivery, ${what}`,
            n: p.deliveries,
            value: perDelivery,
            unit: '/deliv',
          })),
        );
      }
      const sizes = Object.keys(profiles).map(Number);
      const outcomes = outcomeWrites(profiles[Math.min(...sizes)]!);
      rows.push({
        section: 'P',
        what: 'profile: outcome statements per delivery (journal inserts and deletes, the fold)',
        n: profiles[Math.min(...sizes)]!.deliveries,
        value: outcomes.statements,
        unit: '/deliv',
        note: `documents written for outcomes: ${fmt(outcomes.documents)} a delivery (the journal entry, the folded document)`,
      });
      goals.push({
        what: 'outcome statements per delivery',
        value: outcomes.statements,
        unit: '/deliv',
        goal: '< 0.2',
        ok: outcomes.statements < 0.2,
      });
      if (sizes.length > 1) {
        const [small, big] = [profiles[Math.min(...sizes)]!, profiles[Math.max(...sizes)]!];
        const perDelivery = (x: Profile) => x.totalMs / x.deliveries;
        const growth = perDelivery(big) / perDelivery(small);
        goals.push({
          what: `cost per delivery ${big.deliveries} / ${small.deliveries}`,
          value: growth,
          unit: '×',
          goal: '≤ 2',
          ok: growth <= 2,
        });
        rows.push({
          section: 'P',
          what: `profile: cost per delivery, ${big.deliveries} pending / ${small.deliveries} pending`,
          n: '',
          value: perDelivery(big) / perDelivery(small),
          unit: '×',
          note:
            '1 = linear growth of the run; db time per delivery: ' +
            `${fmt(small.dbBusyMs / small.deliveries)} → ${fmt(big.dbBusyMs / big.deliveries)} ms`,
        });
      }
      raw.profiles = profiles;
      const p = profiles[Math.min(...sizes)]!;
      raw.profile = p;
      const other = p.totalMs - p.dbBusyMs;
      rows.push(
        {
          section: 'P',
          what: 'profile: the run (in this process, planned beforehand), wall time',
          n: p.deliveries,
          value: p.totalMs,
          unit: 'ms',
          note: `${fmt(p.deliveries / (p.totalMs / 1000))} deliv/s`,
        },
        {
          section: 'P',
          what: 'profile: of which the database is busy with our commands',
          n: p.deliveries,
          value: p.dbBusyMs,
          unit: 'ms',
          note: `${fmt((100 * p.dbBusyMs) / p.totalMs)} %; the rest (render, send, SMTP/SMS waits not overlapped by db work): ${fmt(other)} ms`,
        },
      );
      const top = Object.entries(p.byCommand)
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, 6);
      for (const [name, c] of top)
        rows.push({
          section: 'P',
          what: `profile: db time in ${name}`,
          n: c.count,
          value: c.ms,
          unit: 'ms',
          note: `${fmt(c.ms / c.count)} ms each (N = commands)`,
        });
    }

    if (opts.only.has('dbops')) {
      const dbops: DbOpsResult[] = [];
      for (const backlog of dbopsBacklogs) {
        log(`database operations of one batch of ${batch}, backlog ${backlog}`);
        const r = await measureDbOps(env, `ops${backlog}`, backlog, batch);
        dbops.push(r);
        for (const [what, ms] of Object.entries(r.ops)) rows.push({ section: 'D', what: `db: ${what}`, n: backlog, value: ms, unit: 'ms' });
        const perBatch = Object.entries(r.ops)
          .filter(([k]) => ['find due', 'claims', 'context', 'journal', 'fold'].some((p) => k.startsWith(p)))
          .reduce((a, [, v]) => a + v, 0);
        rows.push({
          section: 'D',
          what: `db: a batch of ${r.batch} = find + claims + context + journal + fold (the engine's statements)`,
          n: backlog,
          value: perBatch,
          unit: 'ms',
          note:
            `= ${fmt((r.batch / perBatch) * 1000)} deliv/s at most` +
            (ceiling ? `; sending ${r.batch} at the mixed ceiling: ${fmt((r.batch / ceiling.mixed) * 1000)} ms` : ''),
        });
      }
      raw.dbops = dbops;
    }

    if (opts.only.has('memory')) {
      const mem: MemoryResult[] = [];
      for (const size of opts.memory) {
        log(`memory: worker process, one run over ${size} pending deliveries (watched for up to ${opts.memoryWindowS} s)`);
        const r = await measureMemory(env, `mem${size}`, size, opts.memoryWindowS * 1000);
        mem.push(r);
        // The goal is in MB (10^6 bytes); VmHWM is in KiB.
        const peakMB = (r.peakMiB * 2 ** 20) / 1e6;
        if (r.pending >= 100_000)
          goals.push({ what: `peak RSS at ${r.pending}`, value: peakMB, unit: 'MB', goal: '≤ 250', ok: peakMB <= 250 });
        rows.push({
          section: '5',
          what: 'worker process peak RSS (VmHWM), one run',
          n: r.pending,
          value: r.peakMiB,
          unit: 'MiB',
          note:
            `${fmt(r.idleMiB)} MiB after start-up; ` +
            (r.partial
              ? `PARTIAL: in the ${opts.memoryWindowS} s window ${r.messagesOut} messages went out (${fmt(r.rate)}/s), ${fmt(r.sent)} recorded as sent`
              : `whole run: ${fmt(r.seconds)} s = ${fmt(r.rate)} deliv/s`) +
            `; ${fmt(peakMB)} MB, goal ≤ 250 MB at 100k; MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '2'}`,
        });
      }
      raw.memory = mem;
    }
  } finally {
    await env.close();
  }

  const seconds = (performance.now() - t0) / 1000;
  const head = [
    `machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`,
    `database: ${m.database}`,
    `code: ${m.code}`,
    `sizes: deliveries ${n} (${tasks} tasks × ${opts.observers} observers × 2), ceiling ${ceilingN}, naive ${opts.naive}, repeat ${opts.repeat}, ` +
      `latency ${opts.latency}×${opts.latencySize}, telegram ${opts.telegram}, memory ${opts.memory.join(',') || 'skipped'} (window ${opts.memoryWindowS} s), ` +
      `DISPATCH_BATCH ${batch}, DISPATCH_CONCURRENCY ${concurrency}`,
    `benchmark took ${fmt(seconds)} s`,
  ];
  process.stdout.write(`\n${head.join('\n')}\n\n${table(rows)}\n`);
  // One line: each measured ratio against its goal (issue 22), so a reader sees at a glance what got slower.
  process.stdout.write(
    `goals: ${goals.length ? goals.map((g) => `${g.what} ${fmt(g.value)} ${g.unit} (${g.goal} ${g.ok ? 'met' : 'NOT met'})`).join(' · ') : 'none measured in this run'}\n`,
  );
  if (opts.json) {
    writeFileSync(
      opts.json,
      `${JSON.stringify({ machine: m, options: { ...opts, only: [...opts.only], deliveries: n, batch }, seconds, rows, raw }, null, 2)}\n`,
    );
    log(`wrote ${opts.json}`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
