/** What every handler of the bot sees: telegraf's context plus the person, their texts and the deps. */
import type { Context, Scenes } from 'telegraf';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../secrets.js';
import type { DeliveryPort } from '../delivery/port.js';
import type { PersonDoc } from '../db/models/index.js';
import type { Texts } from '../i18n/index.js';
import type { Pacing } from '../telegram/client.js';

export interface BotDeps {
  config: Config;
  logger: Logger;
  secrets: SecretBox;
  delivery: DeliveryPort;
  /** The clock of the per-minute command limit and the /send cooldown, ms since the epoch. @defaultValue Date.now */
  now?: () => number;
  /** The wait that gathers join requests before the admins are told (src/bot/join-notices.ts). @defaultValue JOIN_BURST_MS */
  joinBurst?: () => Promise<unknown>;
  /** Told when each Bot API call of the bot starts and ends (the readiness of long polling). */
  observeApi?: Pacing['observe'];
}

export type BotSession = Scenes.WizardSession<Scenes.WizardSessionData> & {
  /** A reply to a digest of several tasks, waiting for the person to say which task it is for (src/bot/features/replies.ts). */
  replyDraft?: { text: string; tasks: number[] };
};

export interface BotContext extends Context {
  session: BotSession;
  scene: Scenes.SceneContextScene<BotContext, Scenes.WizardSessionData>;
  wizard: Scenes.WizardContextWizard<BotContext>;
  /** The sender, registered on first contact (set by the person middleware). */
  person: PersonDoc;
  /** Texts in the person's language. */
  t: Texts;
}
