/** The loopback guard: tests, their threads and their processes reach loopback only, and a test that tries more fails. */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { guardedEnv, takeGuardLog } from '../support/guard-env.js';

afterEach(() => {
  expect(takeGuardLog()).toEqual([]);
});

function connectError(host: string, port: number): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.on('connect', () => reject(new Error(`connected to ${host}`)));
    socket.on('error', resolve);
  });
}

it('refuses a connection to a host that is not loopback in the test process, and logs it', async () => {
  const err = await connectError('192.0.2.1', 443);
  expect(err.code).toBe('ELOOPBACKGUARD');
  const fetched = await fetch('https://sms.ru/sms/send').then(
    () => undefined,
    (e: Error) => e,
  );
  expect(String(fetched)).toMatch(/fetch failed/); // fetch's TypeError, from another realm than jest's Error
  const log = takeGuardLog();
  expect(log.join('\n')).toContain('192.0.2.1');
  expect(log.join('\n')).toContain('sms.ru');
});

it('lets loopback through', async () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe('ok');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

it('guards a worker thread the test starts', async () => {
  const code = `
    const net = require('node:net');
    const { parentPort } = require('node:worker_threads');
    const s = net.connect({ host: '198.51.100.7', port: 80 });
    s.on('error', (e) => parentPort.postMessage(e.code));
    s.on('connect', () => parentPort.postMessage('connected'));`;
  const worker = new Worker(code, { eval: true });
  const answer = await new Promise((resolve) => worker.once('message', resolve));
  await worker.terminate();
  expect(answer).toBe('ELOOPBACKGUARD');
  expect(takeGuardLog().join('\n')).toContain('198.51.100.7');
});

it('guards a child process started with guardedEnv()', async () => {
  const child = spawn(
    process.execPath,
    ['-e', "require('node:dns').lookup('api.telegram.org', (e) => { process.stdout.write(String(e && e.code)); })"],
    { env: { PATH: process.env.PATH, ...guardedEnv() }, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise((r) => child.once('exit', r));
  expect(out).toBe('ELOOPBACKGUARD');
  expect(takeGuardLog().join('\n')).toContain('api.telegram.org');
});
