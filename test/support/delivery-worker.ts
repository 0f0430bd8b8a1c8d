/**
 * The real delivery behind a test bot: the delivery service (src/delivery/service.ts) that main.ts gives the
 * bot, wired to a real dispatch worker — a Bree thread the Scheduler starts, as `--role=all` does (the
 * compiled jobs in dist/jobs: `npm run build` first) — whose channels reach loopback doubles: the SMTP sink,
 * the sms.ru double, and the test bot's own strict Bot API double (so Telegram notifications land in the
 * people's chats, where `TestUser.messages()` reads them).
 *
 * ```ts
 * const db = useTestDatabase();
 * const worker = deliveryWorker(db);
 * const tb = useTestBot({ adminIds: [1], delivery: worker.delivery });
 * worker.use(tb); // after useTestBot: the worker needs the bot's Bot API double
 * ```
 */
import { SecretBox } from '../../src/secrets.js';
import path from 'node:path';
import { createDeliveryService, type DeliveryServiceOptions } from '../../src/delivery/service.js';
import type { DeliveryPort } from '../../src/delivery/port.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { saveSchedule } from '../../src/services/settings.js';
import { saveLoopbackGateways } from './gateway-settings.js';
import type { TestBot } from './bot-api.js';
import { startSmsRuDouble, type SmsRuDouble } from './sms-doubles.js';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from './smtp-sink.js';

export interface DeliveryWorker {
  /** The service to hand to useTestBot. */
  readonly delivery: DeliveryPort;
  /** The service's options, read at each /send: a test may shorten `sendTimeoutMs` for its own /send. */
  readonly options: DeliveryServiceOptions;
  /** Filled by {@link use}'s beforeAll. */
  sink: SmtpSink;
  sms: SmsRuDouble;
  scheduler: Scheduler;
  /** Starts the doubles and the worker before the file's tests (after the bot's), stops them after. */
  use(tb: TestBot): void;
  /** Saves the SMTP (the sink) and sms.ru (the double) settings again, and the schedule off. */
  saveSettings(): Promise<void>;
}

export function deliveryWorker(db: { uri: string }, opts: { smtp?: SmtpSinkOptions } = {}): DeliveryWorker {
  const options: DeliveryServiceOptions = {
    kick: () => worker.scheduler?.kick(),
    onScheduleChanged: () => worker.scheduler?.applySchedule() ?? Promise.resolve(),
    onTimesChanged: () => worker.scheduler?.applyTimedRuns() ?? Promise.resolve(),
  };
  let bot: TestBot | undefined;
  const worker: DeliveryWorker = {
    delivery: createDeliveryService(options),
    options,
    sink: undefined as unknown as SmtpSink,
    sms: undefined as unknown as SmsRuDouble,
    scheduler: undefined as unknown as Scheduler,
    async saveSettings() {
      const secrets = bot!.secrets;
      await saveLoopbackGateways(secrets, worker.sink.port);
      // Only /send starts runs here: a scheduled run would take what a test's /send is to report.
      await saveSchedule({ kind: 'off' });
    },
    use(tb) {
      beforeAll(async () => {
        bot = tb;
        worker.sink = await startSmtpSink(opts.smtp);
        worker.sms = await startSmsRuDouble({ apiId: 'test-api-id', senders: ['TaskWatch'] });
        await worker.saveSettings();
        // The bot sends confirmation codes by SMS itself: in a deployment it has the worker's gateway address too.
        tb.config.SMSRU_BASE_URL = worker.sms.baseUrl;
        // The thread gets every address through its workerData: jest's process.env never reaches it.
        const config = loadConfig({
          BOT_TOKEN: tb.config.BOT_TOKEN!,
          TELEGRAM_API_ROOT: tb.config.TELEGRAM_API_ROOT,
          SECRET_KEY: tb.config.SECRET_KEY!,
          SMSRU_BASE_URL: worker.sms.baseUrl,
          LOG_LEVEL: 'silent',
          RETRY_BASE_MS: '1',
          RETRY_MAX_MS: '5',
          HTTP_TIMEOUT_MS: '5000',
        });
        worker.scheduler = new Scheduler({
          config,
          logger: createLogger('silent'),
          mongoUri: db.uri,
          secrets: new SecretBox(config.SECRET_KEY!),
          jobsDir: path.resolve('dist/jobs'),
          pollMs: 100,
        });
        await worker.scheduler.start();
      });
      afterAll(async () => {
        worker.sink?.resume();
        await worker.scheduler?.stop();
        await worker.sink?.close();
        await worker.sms?.close();
      });
    },
  };
  return worker;
}
