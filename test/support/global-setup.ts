/**
 * Runs once before all test files. Tests use the MongoDB wire-protocol server in MONGODB_URI
 * (CI: FerretDB); where it is unset, start mongodb-memory-server, which needs internet on first use.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) return;
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const server = await MongoMemoryServer.create();
  (globalThis as { __MONGOD__?: unknown }).__MONGOD__ = server;
  process.env.MONGODB_URI = server.getUri();
}
