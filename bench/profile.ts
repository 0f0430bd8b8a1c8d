/**
 * A profile of one run: the same work as a /send run over a planned backlog, carried out in this process
 * by `executeRequestedRuns` (the code the Bree thread runs) with the driver's command monitoring on. It
 * splits the run's wall time into "the database is working on at least one of our commands" and the rest
 * (rendering, sending, waiting on the SMTP server and the SMS gateway), and the database time by command.
 */
import mongoose from 'mongoose';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { planPendingChanges } from '../src/delivery/planning.js';
import { requestRun, waitForRun } from '../src/delivery/runs.js';
import { executeRequestedRuns } from '../src/scheduler/dispatch-job.js';
import type { BenchEnv } from './env.js';
import { openPhase } from './env.js';
import { seedWorkload, sentSpan } from './seed.js';

export interface Profile {
  deliveries: number;
  totalMs: number;
  /** Wall time with at least one database command in flight. */
  dbBusyMs: number;
  /**
   * Per command name (`update deliveries`, …): how many, their summed durations, their statements and the
   * documents they write. An update or delete command carries one statement per entry of its `updates` or
   * `deletes` (each is matched and applied on its own: a bulk write of 50 updates is one command, 50
   * statements); an insert command is one statement whatever it carries (one multi-row INSERT on FerretDB,
   * one batch on MongoDB), and its documents are counted apart.
   */
  byCommand: Record<string, { count: number; ms: number; statements: number; documents: number }>;
}

interface Started {
  requestId: number;
  commandName: string;
  command: Record<string, unknown>;
}
interface Ended {
  requestId: number;
  duration: number;
}

/** The statements a write command carries (1 for an insert and anything else; see Profile.byCommand). */
function statementsOf(command: Record<string, unknown>): number {
  for (const field of ['updates', 'deletes']) {
    const list = command[field];
    if (Array.isArray(list)) return list.length;
  }
  return 1;
}

/** The documents an insert command carries (0 for anything else). */
function documentsOf(command: Record<string, unknown>): number {
  return Array.isArray(command.documents) ? command.documents.length : 0;
}

/** Write statements of the run per delivery, by collection: what the engine writes on its hot path. */
export function writesPerDelivery(p: Profile): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, c] of Object.entries(p.byCommand)) {
    const [cmd, coll] = name.split(' ');
    if (!coll || !['update', 'insert', 'delete'].includes(cmd!)) continue;
    out[`${cmd} ${coll}`] = c.statements / p.deliveries;
  }
  return out;
}

/**
 * The commands that record outcomes: the journal's inserts and deletes, and the fold's delete and insert of
 * deliveries (src/delivery/journal.ts); an update of deliveries, where an engine still writes one.
 */
export const OUTCOME_COMMANDS = ['insert outcomes', 'delete outcomes', 'delete deliveries', 'insert deliveries', 'update deliveries'];

/** Outcome statements, and documents written for outcomes, per delivery. */
export function outcomeWrites(p: Profile): { statements: number; documents: number } {
  const cs = OUTCOME_COMMANDS.map((n) => p.byCommand[n]).filter((c) => c !== undefined);
  return {
    statements: cs.reduce((n, c) => n + c.statements, 0) / p.deliveries,
    documents: cs.reduce((n, c) => n + c.documents, 0) / p.deliveries,
  };
}

export async function profileRun(env: BenchEnv, phase: string, spec: { tasks: number; observers: number }): Promise<Profile> {
  const db = await openPhase(env, phase, { monitorCommands: true });
  try {
    const seeded = await seedWorkload({ tasks: spec.tasks, observers: spec.observers, channels: ['email', 'sms'] });
    await planPendingChanges();
    const client = mongoose.connection.getClient();
    const open = new Map<number, { name: string; at: number; statements: number; documents: number }>();
    const intervals: Array<[number, number]> = [];
    const byCommand: Profile['byCommand'] = {};
    const onStart = (e: Started) => {
      const coll = e.command[e.commandName];
      const name = `${e.commandName}${typeof coll === 'string' ? ` ${coll}` : ''}`;
      open.set(e.requestId, { name, at: performance.now(), statements: statementsOf(e.command), documents: documentsOf(e.command) });
    };
    const onEnd = (e: Ended) => {
      const s = open.get(e.requestId);
      if (!s) return;
      open.delete(e.requestId);
      const end = performance.now();
      intervals.push([s.at, end]);
      const c = (byCommand[s.name] ??= { count: 0, ms: 0, statements: 0, documents: 0 });
      c.count += 1;
      c.statements += s.statements;
      c.documents += s.documents;
      c.ms += end - s.at;
    };
    client.on('commandStarted', onStart as never);
    client.on('commandSucceeded', onEnd as never);
    client.on('commandFailed', onEnd as never);
    const ctx = { config: loadConfig(process.env), logger: createLogger('silent'), secrets: env.secrets };
    const t0 = performance.now();
    const id = await requestRun({ trigger: 'send' });
    await executeRequestedRuns(ctx);
    const t1 = performance.now();
    client.off('commandStarted', onStart as never);
    client.off('commandSucceeded', onEnd as never);
    client.off('commandFailed', onEnd as never);
    await waitForRun(id, { timeoutMs: 5_000 });
    const span = await sentSpan();
    if (span.sent !== seeded.deliveries) throw new Error(`profile: ${span.sent} of ${seeded.deliveries} sent`);

    intervals.sort((a, b) => a[0] - b[0]);
    let busy = 0;
    let cur: [number, number] | undefined;
    for (const [a, b] of intervals) {
      if (cur && a <= cur[1]) cur[1] = Math.max(cur[1], b);
      else {
        if (cur) busy += cur[1] - cur[0];
        cur = [a, b];
      }
    }
    if (cur) busy += cur[1] - cur[0];
    return { deliveries: span.sent, totalMs: t1 - t0, dbBusyMs: busy, byCommand };
  } finally {
    await db.close();
  }
}
