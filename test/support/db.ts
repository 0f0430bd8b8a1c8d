import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { connectMongoose, ensureIndexes } from '../../src/db/connection.js';

/** The server every test uses (set by CI, or by global-setup with mongodb-memory-server). */
export function testMongoUri(): string {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: jest global-setup should have set it');
  return uri;
}

/** A URI that names a fresh database, for child processes and worker threads. */
export function uriWithDb(dbName: string): string {
  const u = new URL(testMongoUri());
  u.pathname = `/${dbName}`;
  return u.toString();
}

/**
 * Connects mongoose to a fresh database for this test file (`test-<uuid>`), creates the indexes,
 * and drops the database afterwards. Returns the database name.
 */
export function useTestDatabase(): { dbName: string; uri: string } {
  const dbName = `test-${randomUUID()}`;
  const handle = { dbName, uri: uriWithDb(dbName) };
  beforeAll(async () => {
    await connectMongoose(testMongoUri(), dbName);
    await ensureIndexes();
  });
  afterAll(async () => {
    await mongoose.connection.db?.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
  });
  return handle;
}

/** Removes every document of every collection (between tests of one file). */
export async function clearDatabase(): Promise<void> {
  const db = mongoose.connection.db!;
  for (const c of await db.collections()) await c.deleteMany({});
}
