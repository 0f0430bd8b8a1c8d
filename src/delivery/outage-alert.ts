/**
 * One admin alert per database outage, however many processes noticed it. During the outage nothing can be
 * told (the admin list and the alert state are in the database), so each process that saw it acts once the
 * database is back: it records its view of the outage, then claims every record of the same outage (those
 * overlapping in time), oldest first, stopping at the first it loses. Only a process that wins all of its
 * claims alerts. Of two processes the later one always sees the other's record, and a claim has one winner
 * (a unique insert), so two processes never both win; and the claims are taken in one order, so one of them does.
 */
import { hostname } from 'node:os';
import { claimKey } from '../db/claims.js';
import { OutageModel, PersonModel } from '../db/models/index.js';
import { en } from '../i18n/en.js';
import { ru } from '../i18n/ru.js';
import type { Logger } from '../logger.js';
import type { ChannelSender } from './channels/types.js';

/** How far apart two processes' views of one outage may start or end and still count as the same outage, in ms. */
export const SAME_OUTAGE_SLACK_MS = 30_000;

/**
 * Records this process's view of an outage and, when this process is the one to tell, sends every admin one
 * Telegram message in their language. Returns whether this process alerted.
 */
export async function reportOutage(
  outage: { since: Date; backAt: Date },
  telegram: ChannelSender | undefined,
  logger: Logger,
): Promise<boolean> {
  const by = `${hostname()}:${process.pid}`;
  await OutageModel.create({ since: outage.since, backAt: outage.backAt, by });
  const same = await OutageModel.find({
    since: { $lte: new Date(outage.backAt.getTime() + SAME_OUTAGE_SLACK_MS) },
    backAt: { $gte: new Date(outage.since.getTime() - SAME_OUTAGE_SLACK_MS) },
  })
    .select({ _id: 1 })
    .lean();
  const keys = same.map((o) => `outage:${String(o._id)}`).sort();
  for (const key of keys) {
    if (!(await claimKey(key, by))) {
      logger.info('another process tells the admins about the database outage');
      return false;
    }
  }
  const seconds = Math.round((outage.backAt.getTime() - outage.since.getTime()) / 1000);
  const from = outage.since.toISOString().slice(0, 19).replace('T', ' ');
  logger.warn({ downSeconds: seconds }, 'admin alert: the database was unreachable');
  if (!telegram) return true;
  const admins = await PersonModel.find({ role: 'admin' }).select({ telegramId: 1, language: 1 }).lean();
  for (const admin of admins) {
    if (admin.telegramId == null || admin.telegramId < 0) continue;
    const text = `⚠️ taskwatch: ${(admin.language === 'en' ? en : ru).alert.dbOutage(from, seconds)}`;
    try {
      await telegram.send({ channel: 'telegram', to: String(admin.telegramId), text });
    } catch (err) {
      logger.warn({ err, admin: admin.telegramId }, 'could not tell an admin about the database outage');
    }
  }
  return true;
}
