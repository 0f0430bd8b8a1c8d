import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The guard module, for `--require` in NODE_OPTIONS. */
export const GUARD_PATH = path.resolve('test/support/loopback-guard.cjs');

/**
 * What a child process a test starts needs in its environment to carry the loopback guard (see
 * loopback-guard.cjs) and report into the same log as the test: pass it with the child's own env.
 */
export function guardedEnv(): Record<string, string> {
  return {
    NODE_OPTIONS: `--require ${GUARD_PATH}`,
    ...(process.env.LOOPBACK_GUARD_DIR ? { LOOPBACK_GUARD_DIR: process.env.LOOPBACK_GUARD_DIR } : {}),
    LOOPBACK_GUARD_ROOT: process.env.LOOPBACK_GUARD_ROOT ?? String(process.pid),
  };
}

/** Reads and clears what the guard refused so far in this jest worker (for the guard's own tests). */
export function takeGuardLog(): string[] {
  const dir = process.env.LOOPBACK_GUARD_DIR;
  if (!dir) throw new Error('the loopback guard is not armed (LOOPBACK_GUARD_DIR unset): run the tests through jest');
  const file = path.join(dir, `${process.env.LOOPBACK_GUARD_ROOT ?? process.pid}.log`);
  let logged = '';
  try {
    logged = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  writeFileSync(file, '');
  return logged
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as string);
}
