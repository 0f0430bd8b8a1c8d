/**
 * Start-up that explains itself: `node dist/src/main.js` (built by `npm test`) facing a failure a person can
 * fix prints one line saying what is wrong and what to do, exits 1, and shows no stack trace unless
 * LOG_LEVEL=debug.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { checkSecretKey } from '../../src/db/key-check.js';
import { SecretBox } from '../../src/secrets.js';
import { useTestDatabase } from '../support/db.js';
import { freePort } from '../support/ports.js';

const db = useTestDatabase();
const KEY_A = 'startup-test-key-aaaaaaaaaaaaaaaa';
const KEY_B = 'startup-test-key-bbbbbbbbbbbbbbbb';
const TOKEN = '123456789:AAstartup-test-token-xxxxxxxxxx';
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tw-startup-'));
  dirs.push(d);
  return d;
}

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs taskwatch with exactly `env` (plus PATH) until it exits; kills it after `timeoutMs`. */
function run(args: string[], env: Record<string, string>, timeoutMs = 45_000): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.resolve('dist/src/main.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', HTTP_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`taskwatch did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The lines a person reads on the terminal. */
function expectOneLine(r: Ended, pattern: RegExp): void {
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^taskwatch: /);
  expect(lines[0]).toMatch(pattern);
  expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/\n\s+at \S+ \(|"stack"/);
}

it('embedded database without internet: says so and names MONGODB_URI', async () => {
  const closed = await freePort();
  const r = await run([], {
    BOT_TOKEN: TOKEN,
    DATA_DIR: tempDir(),
    MONGOMS_DOWNLOAD_DIR: tempDir(),
    MONGOMS_DOWNLOAD_MIRROR: `https://127.0.0.1:${closed}`,
    LOG_LEVEL: 'info',
  });
  expectOneLine(r, /could not download MongoDB for the embedded database \(no internet: .*ECONNREFUSED.*\)\. .*MONGODB_URI=mongodb:\/\//);
});

it('an unreachable MONGODB_URI: names the server (password hidden) and what to check', async () => {
  const closed = await freePort();
  const r = await run(['--role=worker'], {
    MONGODB_URI: `mongodb://ivan:hunter2@127.0.0.1:${closed}/taskwatch?serverSelectionTimeoutMS=500`,
    SECRET_KEY: KEY_A,
  });
  expectOneLine(r, /cannot reach MongoDB at mongodb:\/\/ivan:\*\*\*@127\.0\.0\.1:\d+\/taskwatch.*Check that the server runs/);
  expect(r.stderr + r.stdout).not.toContain('hunter2');
});

it('a SECRET_KEY other than the one the secrets were saved with: stops before doing anything', async () => {
  await checkSecretKey(new SecretBox(KEY_A)); // the first start on this database sealed with key A
  const r = await run(['--role=worker'], { MONGODB_URI: db.uri, SECRET_KEY: KEY_B });
  expectOneLine(r, /SECRET_KEY is not the key the SMTP password and SMS keys in this database were saved with/);
  // The right key passes the check (and a second check with it too).
  await expect(checkSecretKey(new SecretBox(KEY_A))).resolves.toBeUndefined();
});

it('a revoked bot token: says Telegram refused it and where to get the current one; the stack only at debug', async () => {
  const telegram = http.createServer((req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
  });
  await new Promise<void>((resolve) => telegram.listen(0, '127.0.0.1', resolve));
  const apiRoot = `http://127.0.0.1:${(telegram.address() as AddressInfo).port}`;
  try {
    const env = { MONGODB_URI: db.uri, SECRET_KEY: KEY_A, BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: apiRoot };
    const r = await run(['--role=bot'], { ...env, LOG_LEVEL: 'info' });
    expectOneLine(r, /Telegram refused BOT_TOKEN \(401 Unauthorized\).*@BotFather/);
    expect(r.stderr + r.stdout).not.toContain(TOKEN.split(':')[1]!);

    const debug = await run(['--role=bot'], { ...env, LOG_LEVEL: 'debug' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^taskwatch: Telegram refused BOT_TOKEN/);
    expect(debug.stdout).toMatch(/"stack"/);
  } finally {
    await new Promise((resolve) => telegram.close(resolve));
  }
});
