import { AlertModel, PersonModel } from '../db/models/index.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import type { Logger } from '../logger.js';
import type { ChannelSender } from './channels/types.js';

/**
 * Tells admins in Telegram about a cause once, not once per message: the first occurrence inserts the
 * Alert under its unique cause (atomic on any MongoDB-compatible server) and notifies; later ones only
 * count. When the cause goes away (a later success on that channel) the alert is resolved by deleting it,
 * so the next occurrence is reported again.
 */
export class Alerter {
  #active = new Set<string>();

  constructor(
    private readonly telegram: ChannelSender | undefined,
    private readonly logger: Logger,
  ) {}

  /** Loads the causes that are already reported (so resolve() knows what to clear). */
  async load(): Promise<void> {
    const rows = await AlertModel.find().select({ cause: 1 }).lean();
    this.#active = new Set(rows.map((r) => r.cause));
  }

  async raise(cause: string, text: { ru: string; en: string }): Promise<void> {
    const now = new Date();
    if (this.#active.has(cause)) {
      await AlertModel.updateOne({ cause }, { $inc: { count: 1 }, $set: { lastAt: now } });
      return;
    }
    try {
      await AlertModel.create({ cause, text: text.en, count: 1, firstAt: now, lastAt: now, notifiedAt: now });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      this.#active.add(cause);
      return;
    }
    this.#active.add(cause);
    this.logger.warn({ cause }, `admin alert: ${text.en}`);
    const admins = await PersonModel.find({ role: 'admin' }).select({ telegramId: 1, language: 1 }).lean();
    for (const admin of admins) {
      const body = admin.language === 'en' ? `⚠️ taskwatch: ${text.en}` : `⚠️ taskwatch: ${text.ru}`;
      try {
        await this.telegram?.send({ channel: 'telegram', to: String(admin.telegramId), text: body });
      } catch (err) {
        this.logger.warn({ err, admin: admin.telegramId }, 'could not tell an admin about an alert');
      }
    }
  }

  /** Clears the active causes that start with one of the prefixes. */
  async resolve(...prefixes: string[]): Promise<void> {
    const done = [...this.#active].filter((c) => prefixes.some((p) => c.startsWith(p)));
    if (done.length === 0) return;
    await AlertModel.deleteMany({ cause: { $in: done } });
    for (const c of done) this.#active.delete(c);
  }
}
