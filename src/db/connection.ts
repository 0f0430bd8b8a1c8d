import path from 'node:path';
import { mkdirSync } from 'node:fs';
import mongoose from 'mongoose';
import { redactUri, type Logger } from '../logger.js';
import * as models from './models/index.js';
import { pingDatabase } from './db-watch.js';

export interface Database {
  /** The URI actually used (the embedded server's when MONGODB_URI is unset). */
  uri: string;
  embedded: boolean;
  close(): Promise<void>;
}

const ALL_MODELS = [
  models.PersonModel,
  models.TaskModel,
  models.ObserverModel,
  models.ChangeModel,
  models.DeliveryModel,
  models.SettingsModel,
  models.CounterModel,
  models.RunModel,
  models.AlertModel,
  models.SessionModel,
  models.ClaimModel,
  models.KeyCheckModel,
  models.InviteModel,
  models.InviteUseModel,
  models.DecisionModel,
  models.ApiTokenModel,
  models.IdempotencyModel,
  models.ExternalRefModel,
  models.OutageModel,
  models.SlotModel,
  models.ReminderModel,
  models.SeenModel,
];

/**
 * Creates every model's indexes. Failure is loud: a missing unique index would let planning write
 * duplicates, so start-up stops instead of running without it.
 */
export async function ensureIndexes(): Promise<void> {
  for (const m of ALL_MODELS) {
    try {
      await m.createIndexes();
    } catch (err) {
      throw new Error(`cannot create the indexes of ${m.collection.collectionName}: ${(err as Error).message}`);
    }
  }
}

/** Connects mongoose to `uri`. Indexes are created by the caller that owns start-up ({@link ensureIndexes}). */
export async function connectMongoose(uri: string, dbName?: string): Promise<void> {
  mongoose.set('strictQuery', true);
  mongoose.set('autoIndex', false);
  // A serverSelectionTimeoutMS in the URI wins (operators shorten it to fail fast); else 10 s. It is also
  // how long mongoose holds a query while it has lost the server, so a query waits for the database once.
  const inUri = /[?&]serverSelectionTimeoutMS=(\d+)/i.exec(uri)?.[1];
  mongoose.set('bufferTimeoutMS', inUri ? Number(inUri) : 10_000);
  await mongoose.connect(uri, { dbName, maxPoolSize: 20, ...(inUri ? {} : { serverSelectionTimeoutMS: 10_000 }) });
  // An 'error' event without a listener would end the process; losing the server is reported by the
  // process's DatabaseWatch (one line per phase), and each query that fails meanwhile fails on its own.
  if (mongoose.connection.listenerCount('error') === 0) mongoose.connection.on('error', () => undefined);
}

/**
 * Closes mongoose's client and connects a new one to `uri` (src/db/client-watchdog.ts). Commands in flight
 * fail as on a lost connection (their callers try again); the models stay bound and use the new client. Not
 * a forced close: mongoose never opens a force-closed connection again.
 */
export async function reconnectMongoose(uri: string, dbName?: string, closeWithinMs = 5_000): Promise<void> {
  // A client stuck enough to be replaced may not close cleanly either: its close is waited for a while only.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    mongoose.connection.close().catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, closeWithinMs))),
  ]).finally(() => clearTimeout(timer));
  await connectMongoose(uri, dbName);
}

/**
 * Opens the database: MONGODB_URI when given; otherwise an embedded MongoDB (mongodb-memory-server)
 * whose files persist in `<dataDir>/db`, so `npm start` works with no database installed.
 */
export async function openDatabase(opts: { uri?: string; dataDir: string }, logger: Logger): Promise<Database> {
  if (opts.uri) {
    await connectMongoose(opts.uri);
    logger.info({ db: redactUri(opts.uri) }, 'connected to MongoDB');
    return { uri: opts.uri, embedded: false, close: () => mongoose.disconnect() };
  }
  const dbPath = path.resolve(opts.dataDir, 'db');
  mkdirSync(dbPath, { recursive: true });
  logger.info({ dbPath }, 'MONGODB_URI is not set: starting an embedded MongoDB whose data stays in this folder');
  const { MongoMemoryServer, MongoBinary } = await import('mongodb-memory-server-core');
  // The binary first, on its own: a failed download is then a DownloadError the caller explains in one
  // line (MongoMemoryServer.create would also print its own warning with a stack trace). On the first
  // start this downloads about 100 MB and prints its progress.
  logger.info('looking for the MongoDB binary (the first start downloads it once, about 100 MB)');
  await MongoBinary.getPath();
  const server = await MongoMemoryServer.create({
    instance: { dbPath, storageEngine: 'wiredTiger', dbName: 'taskwatch' },
  });
  const uri = server.getUri('taskwatch');
  await connectMongoose(uri);
  logger.info('embedded MongoDB is up');
  return {
    uri,
    embedded: true,
    close: async () => {
      await mongoose.disconnect();
      await server.stop({ doCleanup: false, force: false });
    },
  };
}

/** Whether mongoose is connected and the server answers a ping within 2 s: cheap enough for every /healthz. */
export async function isDatabaseUp(): Promise<boolean> {
  if (mongoose.connection.readyState !== mongoose.ConnectionStates.connected) return false;
  return pingDatabase();
}
