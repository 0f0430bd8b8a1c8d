import type { Composer, Scenes } from 'telegraf';
import type { BotContext, BotDeps } from './context.js';

/** A feature: its handlers and the conversations (wizard scenes) they start. */
export interface Feature {
  composer: Composer<BotContext>;
  scenes: Array<Scenes.WizardScene<BotContext>>;
}

export type FeatureFactory = (deps: BotDeps) => Feature;
