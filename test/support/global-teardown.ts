import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __MONGOD__?: { stop(): Promise<unknown> } }).__MONGOD__;
  if (server) await server.stop();
  if (process.env.LOOPBACK_GUARD_DIR) rmSync(process.env.LOOPBACK_GUARD_DIR, { recursive: true, force: true });
}
