/**
 * Real worker processes for a test file (`node dist/src/main.js --role=worker`, built by `npm test`), pointed
 * explicitly at the test's database and the world's doubles: a child sees nothing of jest's process.env.
 * Every process still running at the end of the file is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { guardedEnv } from './guard-env.js';
import type { World } from './world.js';

export interface StartOptions {
  /** @defaultValue 'worker' */
  role?: 'worker' | 'bot';
  /** Collects the process's log (its stdout), one entry a line. */
  log?: string[];
}

export interface WorkerProcesses {
  /** Starts a worker (or, with `role: 'bot'`, a bot) with the world's addresses and `env` on top. */
  start(env?: Record<string, string>, opts?: StartOptions): ChildProcess;
}

/** Call at the top of a test file, after useTestDatabase(); `world` is read when a worker starts. */
export function useWorkerProcesses(db: { uri: string }, world: () => World): WorkerProcesses {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  return {
    start(env = {}, opts = {}) {
      const w = world();
      const child = spawn(process.execPath, [path.resolve('dist/src/main.js'), `--role=${opts.role ?? 'worker'}`], {
        env: {
          PATH: process.env.PATH,
          ...guardedEnv(),
          MONGODB_URI: db.uri,
          SECRET_KEY: w.config.SECRET_KEY,
          SMSRU_BASE_URL: w.config.SMSRU_BASE_URL,
          TELEGRAM_API_ROOT: w.config.TELEGRAM_API_ROOT,
          BOT_TOKEN: w.config.BOT_TOKEN!,
          LOG_LEVEL: 'warn',
          HTTP_PORT: '0',
          RUN_POLL_MS: '100',
          ...env,
        },
        stdio: ['ignore', opts.log ? 'pipe' : 'ignore', 'pipe'],
      });
      const log = opts.log;
      if (log) {
        let rest = '';
        child.stdout!.on('data', (d: Buffer) => {
          const lines = (rest + String(d)).split('\n');
          rest = lines.pop()!;
          log.push(...lines.filter(Boolean));
        });
      }
      children.push(child);
      return child;
    },
  };
}

/** Resolves when the process has exited (at once if it has). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}
