import type { Composer, Scenes } from 'telegraf';
import type { BotContext } from './context.js';

/** A feature: its handlers and the conversations (wizard scenes) they start. */
export interface Feature {
  composer: Composer<BotContext>;
  scenes: Array<Scenes.WizardScene<BotContext>>;
}
