/**
 * A small world for delivery tests: real loopback SMTP server, sms.ru double and Bot API double, settings
 * saved through the services (secrets encrypted), and helpers to make people and tasks.
 */
import { TelegramServer } from './telegram-server.js';
import { startStrictBotApi, type StrictBotApi } from './strict-bot-api.js';
import { Types } from 'mongoose';
import { ObserverModel, PersonModel, TaskModel } from '../../src/db/models/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { SecretBox } from '../../src/secrets.js';
import { registerPerson, setQuietHours } from '../../src/services/people.js';
import { setEmail, setPhone } from '../../src/services/contacts.js';
import { createTask, editTask, parseField, readEdit, taskToChange } from '../../src/services/tasks.js';
import { watch } from '../../src/services/observers.js';
import { saveLoopbackGateways } from './gateway-settings.js';
import { executeRequestedRuns } from '../../src/scheduler/dispatch-job.js';
import path from 'node:path';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { requestRun, waitForRun } from '../../src/delivery/runs.js';
import type { RunResult } from '../../src/delivery/port.js';
import type { Channel } from '../../src/domain/types.js';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from './smtp-sink.js';
import { startSmsRuDouble, type SmsRuDouble } from './sms-doubles.js';
import { freePort } from './ports.js';
import { clearDatabase } from './db.js';

export const BOT_TOKEN = '123456789:AAtest-token-for-the-bot-api-double';
export const ADMIN_ID = 9001;

export interface World {
  config: Config;
  secrets: SecretBox;
  sink: SmtpSink;
  sms: SmsRuDouble;
  /** The emulator's store of what the bot sent (behind {@link botApi}). */
  telegram: TelegramServer;
  /** The strict Bot API double the world's bot token talks to (TELEGRAM_API_ROOT): refusals, blocked chats, limits. */
  botApi: StrictBotApi;
  /** Messages the bot sent to this chat (notifications and admin alerts). */
  telegramTo(chatId: number): Array<{ text: string }>;
  close(): Promise<void>;
}

export async function startWorld(opts: { smtp?: SmtpSinkOptions; env?: Record<string, string> } = {}): Promise<World> {
  const sink = await startSmtpSink(opts.smtp);
  const sms = await startSmsRuDouble();
  const port = await freePort();
  const telegram = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
  await telegram.start();
  // People made by makePerson have "written to the bot" (they would have, to be registered).
  const botApi = await startStrictBotApi(telegram, { knownChat: (chat) => wroteToBot.has(chat) });
  const config = loadConfig({
    BOT_TOKEN,
    TELEGRAM_API_ROOT: botApi.apiRoot,
    SMSRU_BASE_URL: sms.baseUrl,
    SECRET_KEY: 'test-secret-key-0123456789',
    LOG_LEVEL: 'silent',
    RETRY_BASE_MS: '1',
    RETRY_MAX_MS: '5',
    HTTP_TIMEOUT_MS: '2000',
    ...opts.env,
  });
  const secrets = new SecretBox(config.SECRET_KEY!);
  const world: World = {
    config,
    secrets,
    sink,
    sms,
    telegram,
    botApi,
    telegramTo: (chatId) =>
      telegram.storage.botMessages
        .map((m) => m.message as unknown as { chat_id: number | string; text: string })
        .filter((m) => Number(m.chat_id) === chatId),
    async close() {
      await sink.close();
      await sms.close();
      await botApi.close();
      await telegram.stop();
    },
  };
  await saveWorldSettings(world);
  return world;
}

/**
 * The world of a test file, started once and made fresh before each test: an empty database with the
 * world's settings, and doubles that remember nothing (so any test runs alone with `-t`). Returns the world
 * (a view of the one started in `beforeAll`; read its fields inside tests and hooks). Call after
 * useTestDatabase().
 */
export function useWorld(opts: Parameters<typeof startWorld>[0] = {}): World {
  let current: World | undefined;
  beforeAll(async () => {
    current = await startWorld(opts);
  });
  afterAll(async () => {
    await current?.close();
  });
  beforeEach(async () => {
    const w = current!;
    await clearDatabase();
    w.sink.reset();
    w.sink.setFailRatio(0);
    w.sms.reset();
    w.telegram.storage.botMessages.length = 0;
    w.botApi.reset();
    await saveWorldSettings(w);
  });
  const started = (): World => {
    if (!current) throw new Error('the world starts in beforeAll: use it inside tests and hooks');
    return current;
  };
  // A view of the started world, spreadable too ({ ...world, config }).
  return new Proxy({} as World, {
    get: (_, key) => Reflect.get(started(), key) as unknown,
    ownKeys: () => Reflect.ownKeys(started()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(started(), key);
      return d && { ...d, configurable: true };
    },
  });
}

/** Saves the SMTP (the loopback sink) and sms.ru (the double) settings, e.g. again after clearDatabase(). */
export async function saveWorldSettings(world: World): Promise<void> {
  await saveLoopbackGateways(world.secrets, world.sink.port, 'telegram');
}

let nextId = 1000;
/** Telegram ids of the people made here: each counts as having written to the bot. */
const wroteToBot = new Set<string>();

export interface PersonSpec {
  name: string;
  email?: string;
  phone?: string;
  quiet?: string;
  timezone?: string;
  admin?: boolean;
}

export async function makePerson(spec: PersonSpec) {
  const telegramId = spec.admin ? ADMIN_ID : nextId++;
  wroteToBot.add(String(telegramId));
  let p = await registerPerson(
    { telegramId, name: spec.name, username: spec.name.toLowerCase() },
    { adminIds: spec.admin ? [ADMIN_ID] : [], defaultTimezone: spec.timezone ?? 'Europe/Moscow', defaultLanguage: 'ru' },
  );
  if (spec.email) p = await setEmail(p._id, spec.email);
  if (spec.phone) p = await setPhone(p._id, spec.phone);
  if (spec.quiet) p = await setQuietHours(p._id, spec.quiet);
  return p;
}

export async function makeTask(author: { _id: unknown }, title: string, observers: Array<[{ _id: unknown }, Channel[]]> = []) {
  const number = await createTask({ title, authorId: author._id as never });
  for (const [person, channels] of observers) await watch(number, person._id as never, channels, person._id as never);
  return number;
}

/**
 * `count` members watching task `number` by e-mail (`<prefix><i>@example.org`, Telegram ids from `firstId`),
 * written in bulk: for tests that need hundreds of recipients quickly.
 */
export async function addEmailWatchers(number: number, count: number, opts: { firstId: number; prefix: string }): Promise<void> {
  const people = Array.from({ length: count }, (_, i) => ({
    _id: new Types.ObjectId(),
    telegramId: opts.firstId + i,
    name: `Person ${i}`,
    email: `${opts.prefix}${i}@example.org`,
    timezone: 'Europe/Moscow',
    language: 'ru',
    role: 'member',
    participantChannels: ['email'],
  }));
  await PersonModel.insertMany(people);
  const task = (await TaskModel.findOne({ number }).lean())!;
  await ObserverModel.insertMany(
    people.map((p) => ({ task: task._id, taskNumber: number, person: p._id, channels: ['email'], addedBy: p._id })),
  );
}

/** An edit as a person in Moscow would type it (`edit(12, anna, 'status', 'done')`). */
export async function edit(number: number, actor: { _id: unknown }, field: string, value: string) {
  const access = await taskToChange(number, actor._id as never);
  return editTask(access, await readEdit(parseField(field), value, 'Europe/Moscow'));
}

/** One run, as /send does it, carried out in this process by the same code a worker thread runs. */
export async function sendNow(world: World, opts: { taskNumber?: number; clock?: () => Date } = {}): Promise<RunResult> {
  const id = await requestRun({ trigger: 'send', ...(opts.taskNumber !== undefined ? { taskNumber: opts.taskNumber } : {}) });
  await executeRequestedRuns({
    config: world.config,
    logger: createLogger('silent'),
    secrets: world.secrets,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  // Generous: the run is carried out above; what is left is reading its result on a loaded machine.
  return waitForRun(id, { timeoutMs: 30_000 });
}

/**
 * A Scheduler with real Bree threads (the compiled jobs in dist/jobs) against the world's doubles: the threads
 * get the world's addresses through their workerData (settings in jest's process.env never reach them). Not started.
 */
export function worldScheduler(world: World, mongoUri: string): Scheduler {
  return new Scheduler({
    config: { ...world.config, LOG_LEVEL: 'silent' },
    logger: createLogger('silent'),
    mongoUri,
    secrets: world.secrets,
    jobsDir: path.resolve('dist/jobs'),
    pollMs: 100,
  });
}
