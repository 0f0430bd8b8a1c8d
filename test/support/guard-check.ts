/**
 * After each test: fails it when the loopback guard (loopback-guard.cjs) refused a connection anywhere in
 * this jest worker, its threads or the processes its tests started.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

afterEach(() => {
  const dir = process.env.LOOPBACK_GUARD_DIR;
  if (!dir) return;
  const file = path.join(dir, `${process.env.LOOPBACK_GUARD_ROOT ?? process.pid}.log`);
  let logged = '';
  try {
    logged = readFileSync(file, 'utf8');
  } catch {
    return; // nothing refused
  }
  if (!logged.trim()) return;
  writeFileSync(file, '');
  const attempts = logged
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string);
  throw new Error(`This test (or a thread or process it started) tried to reach a host that is not loopback:\n${attempts.join('\n')}`);
});
