/** The SMS report job: delivery reports of recent SMS, polled by the dispatch thread or by a job of its own. */
import { threadId } from 'node:worker_threads';
import mongoose from 'mongoose';
import { createLogger, type Logger } from '../logger.js';
import { SecretBox } from '../secrets.js';
import { connectMongoose } from '../db/connection.js';
import type { ChannelSet } from '../delivery/channels/registry.js';
import { pollSmsReports } from '../delivery/reports.js';
import { ChannelCache, type JobData } from './job-context.js';

export async function pollReports(channels: ChannelSet, logger: Logger): Promise<void> {
  if (!channels.smsProvider) return;
  try {
    const n = await pollSmsReports(channels.smsProvider);
    if (n) logger.info({ reports: n }, 'stored SMS delivery reports');
  } catch (err) {
    logger.warn({ err }, 'could not poll SMS delivery reports');
  }
}

/** The SMS report job's thread, for when no dispatch thread is resident: poll delivery reports of recent SMS. */
export async function runSmsReportsJob(data: JobData): Promise<void> {
  const config = data.config;
  const logger = createLogger(config.LOG_LEVEL).child({ job: 'sms-reports', thread: threadId });
  await connectMongoose(data.mongoUri);
  const cache = new ChannelCache({ config, logger, secrets: new SecretBox(data.secrets) });
  try {
    await pollReports(await cache.get(), logger);
  } finally {
    await cache.close();
    await mongoose.disconnect();
  }
}
