/**
 * Join requests reach the admins as one message per burst, after the stranger's update has been handled:
 * the first request starts a short wait (`burstMs`), and whatever came in meanwhile (from any bot process)
 * goes out together, to each admin in their language, with an Approve/Deny row per person. A flood of
 * strangers costs the admins a few messages, not one each, and never holds up the update loop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Markup, type Telegram } from 'telegraf';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { PersonDoc } from '../db/models/index.js';
import { callbackData } from '../domain/callback-data.js';
import type { Language } from '../domain/types.js';
import { texts } from '../i18n/index.js';
import { listAdmins } from '../services/people.js';
import { takeUnannouncedRequests } from '../services/join-requests.js';
import type { Background } from './background.js';
import { sendUnprompted } from './unprompted.js';

/** How long a burst of requests is gathered before the admins are told, by default. */
export const JOIN_BURST_MS = 3_000;
const OWNER = `bot:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

export interface JoinNotices {
  /** A new request came: the admins hear of it (and of any other in this burst) in a moment. */
  requested(): void;
}

export function joinNotices(deps: {
  config: Pick<Config, 'ADMIN_IDS' | 'DEFAULT_LANGUAGE'>;
  logger: Logger;
  telegram: Telegram;
  background: Background;
  /** The wait that gathers a burst. @defaultValue JOIN_BURST_MS of sleep */
  burst?: () => Promise<unknown>;
}): JoinNotices {
  const burst = deps.burst ?? (() => sleep(JOIN_BURST_MS));
  let waiting = false;

  const tell = async (shown: PersonDoc[], more: number) => {
    const targets = new Map<number, Language>((await listAdmins()).map((a) => [a.telegramId, a.language]));
    for (const id of deps.config.ADMIN_IDS) if (!targets.has(id)) targets.set(id, deps.config.DEFAULT_LANGUAGE);
    for (const [chatId, lang] of targets) {
      const t = texts(lang);
      const one = shown.length === 1 && more === 0;
      const text = one
        ? t.joinRequestForAdmins(shown[0]!.name, shown[0]!.username ?? undefined, shown[0]!.telegramId)
        : t.joinRequestsForAdmins(
            shown.map((p) => ({ name: p.name, username: p.username ?? undefined, id: p.telegramId })),
            more,
          );
      const rows = shown.map((p) => [
        Markup.button.callback(one ? t.approveButton : `✅ ${p.name}`, callbackData.joinDecision(true, p._id)),
        Markup.button.callback(one ? t.denyButton : `❌ ${p.name}`, callbackData.joinDecision(false, p._id)),
      ]);
      await sendUnprompted(deps.telegram, chatId, text, Markup.inlineKeyboard(rows), {
        logger: deps.logger,
        what: 'join requests to an admin',
      });
    }
  };

  // Requests another bot process took are in its message, not ours.
  const announce = async () => {
    const { shown, more } = await takeUnannouncedRequests(OWNER);
    if (shown.length) await tell(shown, more);
  };

  return {
    requested() {
      if (waiting) return;
      waiting = true;
      deps.background.run('telling the admins about join requests', async () => {
        await burst();
        waiting = false;
        await announce();
      });
    },
  };
}
