/**
 * A database server of the test's own, that the test can stop and start again (the shared one in MONGODB_URI
 * must stay up for everyone else): FerretDB from `FERRETDB_BIN` (`.ci/run` exports it) on a free loopback
 * port with its SQLite files in a temporary folder; without `FERRETDB_BIN`, mongodb-memory-server's
 * MongoMemoryServer on a fixed port, stopped and started on the same port and data folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { until } from './wait.js';

export interface OwnDatabase {
  /** `mongodb://127.0.0.1:<port>/<dbName>` */
  uri: string;
  kind: 'ferretdb' | 'mongodb-memory-server';
  /** Stops the server (its data stays); resolves once it no longer accepts connections. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good and deletes its data. */
  close(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startOwnDatabase(dbName: string): Promise<OwnDatabase> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'taskwatch-owndb-'));
  const uri = `mongodb://127.0.0.1:${port}/${dbName}`;
  const bin = process.env.FERRETDB_BIN;
  if (bin) {
    let child: ChildProcess | undefined;
    const start = async () => {
      child = spawn(
        bin,
        [
          '--handler=sqlite',
          `--sqlite-url=file:${dir}/`,
          `--listen-addr=127.0.0.1:${port}`,
          '--telemetry=disable',
          '--debug-addr=-',
          '--log-level=error',
          `--state-dir=${dir}`,
        ],
        { stdio: 'ignore' },
      );
      await until(() => accepts(port), 30_000, `FerretDB to listen on ${port}`);
    };
    const stop = async () => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
      await until(async () => !(await accepts(port)), 10_000, `FerretDB to stop listening on ${port}`);
    };
    await start();
    return {
      uri,
      kind: 'ferretdb',
      start,
      stop,
      async close() {
        await stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const server = new MongoMemoryServer({ instance: { port, dbPath: dir, storageEngine: 'wiredTiger' } });
  await server.start(true);
  return {
    uri,
    kind: 'mongodb-memory-server',
    start: async () => {
      await server.start(true);
      await until(() => accepts(port), 30_000, `MongoDB to listen on ${port}`);
    },
    stop: async () => {
      await server.stop({ doCleanup: false, force: false });
      await until(async () => !(await accepts(port)), 10_000, `MongoDB to stop listening on ${port}`);
    },
    async close() {
      await server.stop({ doCleanup: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
