import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Runs once before all test files. Tests use the MongoDB wire-protocol server in MONGODB_URI
 * (CI: FerretDB); where it is unset, start mongodb-memory-server, which needs internet on first use.
 * Then arms the loopback guard (loopback-guard.cjs) for the jest workers started after this and for
 * everything they start: a test that reaches for a host that is not loopback fails.
 */
/** The guard module (jest runs from the repository's root). */
const GUARD_PATH = path.resolve('test/support/loopback-guard.cjs');

export default async function globalSetup(): Promise<void> {
  if (!process.env.MONGODB_URI) {
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    const server = await MongoMemoryServer.create();
    (globalThis as { __MONGOD__?: unknown }).__MONGOD__ = server;
    process.env.MONGODB_URI = server.getUri();
  }
  process.env.LOOPBACK_GUARD_DIR = mkdtempSync(path.join(tmpdir(), 'taskwatch-guard-'));
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, `--require ${GUARD_PATH}`].filter(Boolean).join(' ');
}
