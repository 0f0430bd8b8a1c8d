/**
 * What the benchmark runs against: the database server (MONGODB_URI, or an embedded mongodb-memory-server),
 * a fresh database per phase (`bench-<run>-<phase>`, dropped afterwards), the countOnly SMTP sink and the
 * sms.ru double, and the Settings that point taskwatch at them.
 */
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { connectMongoose, ensureIndexes } from '../src/db/connection.js';
import { SecretBox } from '../src/secrets.js';
import { saveSchedule, saveSms, saveSmtp } from '../src/services/settings.js';
import { startSmtpSink, type SmtpSink } from '../test/support/smtp-sink.js';
import { startSmsRuDouble, type SmsRuDouble } from '../test/support/sms-doubles.js';
import { log, sleep } from './util.js';

export const SECRET_KEY = 'bench-secret-key-0123456789abcdef';
export const SMS_API_ID = 'test-api-id';
export const MAIL_FROM = 'taskwatch <tw@example.org>';

export interface BenchEnv {
  /** Server URI without a database name. */
  serverUri: string;
  /** e.g. `FerretDB 1.24.2 (MongoDB wire protocol)` or `MongoDB 7.0.14`. */
  databaseKind: string;
  /** FerretDB: no index used (not even for `_id`), updates read-modify-write, and the 100-updateOne wedge. */
  ferret: boolean;
  runId: string;
  sink: SmtpSink;
  sms: SmsRuDouble;
  secrets: SecretBox;
  /** URI of a database of this run, for one phase. */
  uriFor(phase: string): string;
  close(): Promise<void>;
}

export async function startEnv(): Promise<BenchEnv> {
  let serverUri = process.env.MONGODB_URI;
  let stopEmbedded: (() => Promise<unknown>) | undefined;
  if (!serverUri) {
    log(
      'MONGODB_URI is not set: starting an embedded MongoDB (mongodb-memory-server-core). It downloads a mongod ' +
        'binary on first use, which needs internet. To use your own server: MONGODB_URI=mongodb://host:port npm run bench',
    );
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    try {
      const server = await MongoMemoryServer.create();
      serverUri = server.getUri();
      stopEmbedded = () => server.stop();
    } catch (err) {
      throw new Error(
        `cannot start the embedded MongoDB (${(err as Error).message}). Set MONGODB_URI to a MongoDB or FerretDB server instead.`,
      );
    }
  }
  const runId = randomBytes(4).toString('hex');
  const uriFor = (phase: string) => {
    const u = new URL(serverUri);
    u.pathname = `/bench-${runId}-${phase}`;
    return u.toString();
  };

  const databaseKind = await detectDatabase(uriFor('probe'));
  const sink = await startSmtpSink({ countOnly: true });
  const sms = await startSmsRuDouble({ apiId: SMS_API_ID, balance: 1e9 });
  // The worker threads (and the worker process) read their configuration from the environment.
  process.env.SMSRU_BASE_URL = sms.baseUrl;
  process.env.LOG_LEVEL ??= 'warn';
  process.env.SECRET_KEY = SECRET_KEY;
  return {
    serverUri: serverUri,
    databaseKind: stopEmbedded ? `${databaseKind} (embedded, mongodb-memory-server)` : databaseKind,
    ferret: databaseKind.startsWith('FerretDB'),
    runId,
    sink,
    sms,
    secrets: new SecretBox(SECRET_KEY),
    uriFor,
    async close() {
      await sink.close();
      await sms.close();
      await stopEmbedded?.();
    },
  };
}

async function detectDatabase(uri: string): Promise<string> {
  const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const info = (await conn.db!.admin().command({ buildInfo: 1 })) as {
      version?: string;
      ferretdbVersion?: string;
      ferretdb?: { version?: string };
    };
    const ferret = info.ferretdbVersion ?? info.ferretdb?.version;
    return ferret
      ? `FerretDB ${ferret.replace(/^v/, '')} (MongoDB wire protocol ${info.version ?? '?'})`
      : `MongoDB ${info.version ?? '?'}`;
  } finally {
    await conn.close();
  }
}

/**
 * Connects mongoose to a fresh database of this run, creates the indexes and saves the SMTP, SMS and
 * schedule (off: only requested runs) Settings. Returns the URI and a function that drops the database.
 */
export async function openPhase(
  env: BenchEnv,
  phase: string,
  opts: { monitorCommands?: boolean } = {},
): Promise<{ uri: string; close(): Promise<void> }> {
  const uri = env.uriFor(phase);
  if (opts.monitorCommands) {
    // connectMongoose's settings, plus command monitoring (for the profile)
    mongoose.set('strictQuery', true);
    mongoose.set('autoIndex', false);
    await mongoose.connect(uri, { serverSelectionTimeoutMS: 10_000, maxPoolSize: 20, monitorCommands: true });
  } else {
    await connectMongoose(uri);
  }
  await ensureIndexes();
  await saveSmtp({ host: '127.0.0.1', port: env.sink.port, security: 'none', from: MAIL_FROM }, env.secrets);
  await saveSms({ provider: 'smsru', secret: SMS_API_ID, secretKind: 'api_id', sender: 'TaskWatch', fallback: 'none' }, env.secrets);
  await saveSchedule({ kind: 'off' });
  env.sms.reset(); // the double keeps every request; start each phase empty
  return {
    uri,
    async close() {
      // A worker killed mid-run leaves the server busy with its last command for a while: check, retry.
      const db = mongoose.connection.db;
      for (let attempt = 1; db; attempt++) {
        try {
          await db.dropDatabase();
          if ((await db.listCollections().toArray()).length === 0) break;
        } catch (err) {
          if (attempt >= 3) log(`could not drop ${uri}: ${(err as Error).message}`);
        }
        if (attempt >= 3) {
          log(`could not drop ${uri}; drop it by hand`);
          break;
        }
        await sleep(5_000);
      }
      await mongoose.disconnect();
    },
  };
}
