/**
 * Short conversations for commands typed without their arguments: a telegraf WizardScene that asks for
 * the missing values one by one (text or buttons), keeps them in the session (MongoDB), and calls the
 * same code as the one-line command at the end. `/cancel`, the Cancel button, or any other command
 * ends it with nothing saved. Secret answers are deleted from the chat and kept encrypted meanwhile; an
 * answer to a secret step that starts with "/" is taken as the answer (and deleted), not as a command.
 * An admin conversation checks the person's role again at its end, and a settings conversation saves
 * only if the settings are still at the version it started from.
 */
import { Scenes, type MiddlewareFn } from 'telegraf';
import type { SecretBox } from '../secrets.js';
import { UserError } from '../domain/errors.js';
import { resolveViewer } from '../services/access.js';
import { settingsVersion } from '../db/settings-store.js';
import type { BotContext } from './context.js';
import { userErrorText } from '../i18n/index.js';
import { CANCEL, choices, type Choice } from './keyboards.js';
import { answerOf } from '../domain/callback-data.js';
import { clip } from './format.js';

export type Values = Record<string, string>;

export interface Step {
  /** Where the answer goes in `values`. */
  key: string;
  ask(ctx: BotContext, values: Values): string | Promise<string>;
  buttons?(ctx: BotContext, values: Values): Choice[][] | Promise<Choice[][]>;
  /** Checks and normalises the answer; a UserError asks again. */
  parse?(raw: string, ctx: BotContext, values: Values): string | Promise<string>;
  /** The answer is a secret: its message is deleted and it is kept encrypted until the end. */
  secret?: boolean;
}

export interface ConversationDef {
  id: string;
  /** The next step given the answers so far; undefined when everything is known. */
  next(values: Values, ctx: BotContext): Step | undefined;
  /** Called with every answer (secrets decrypted) after the conversation has ended. */
  finish(ctx: BotContext, values: Values): Promise<void>;
  /** Admins only: the role is read again at the end, and someone demoted meanwhile saves nothing. */
  admin?: boolean;
  /** It saves settings: the settings version at its start is kept, see {@link seenVersion}. */
  versioned?: boolean;
}

/** Where a versioned conversation keeps the settings version it started from. */
const VERSION_KEY = '__settingsVersion';

/** The settings version a versioned conversation started from (pass it to the save as `expectedVersion`). */
export function seenVersion(values: Values): number | undefined {
  const v = values[VERSION_KEY];
  return v === undefined ? undefined : Number(v);
}

interface State {
  values?: Values;
  /** Keys whose values are encrypted. */
  secret?: string[];
}

const TTL_SECONDS = 60 * 60;

function state(ctx: BotContext): Required<State> {
  const s = ctx.wizard.state as State;
  s.values ??= {};
  s.secret ??= [];
  return s as Required<State>;
}

async function ask(ctx: BotContext, step: Step, values: Values): Promise<void> {
  await ctx.reply(await step.ask(ctx, values), choices(ctx.t, (await step.buttons?.(ctx, values)) ?? []));
}

async function finish(ctx: BotContext, def: ConversationDef, secrets: SecretBox): Promise<void> {
  const { values, secret } = state(ctx);
  const plain: Values = { ...values };
  for (const k of secret) if (plain[k] !== undefined) plain[k] = secrets.decrypt(plain[k]);
  await ctx.scene.leave();
  if (def.admin) {
    // The role as it is now: an admin demoted while the conversation went on may not finish it.
    if (!(await resolveViewer(ctx.person._id)).admin) {
      await ctx.reply(ctx.t.adminOnly);
      return;
    }
  }
  await def.finish(ctx, plain);
}

export function conversation(def: ConversationDef, secrets: SecretBox): Scenes.WizardScene<BotContext> {
  const start: MiddlewareFn<BotContext> = async (ctx) => {
    const { values } = state(ctx);
    if (def.versioned) values[VERSION_KEY] ??= String(await settingsVersion());
    const step = def.next(values, ctx);
    if (!step) return finish(ctx, def, secrets);
    ctx.wizard.next();
    await ask(ctx, step, values);
  };

  const answer: MiddlewareFn<BotContext> = async (ctx, next) => {
    const st = state(ctx);
    const step = def.next(st.values, ctx);
    if (!step) return finish(ctx, def, secrets);
    let raw: string | undefined;
    const data = ctx.callbackQuery && 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : undefined;
    if (data !== undefined) {
      raw = answerOf(data);
      if (raw === undefined) return next();
      await ctx.answerCbQuery().catch(() => undefined);
      await ctx.editMessageReplyMarkup(undefined).catch(() => undefined);
    } else if (ctx.message && 'text' in ctx.message) {
      // A secret may start with "/": in a secret step only /cancel (handled by the scene) is a command.
      if (ctx.message.text.startsWith('/') && !step.secret) {
        // Another command: the conversation ends unsaved and the command runs.
        await ctx.scene.leave();
        return next();
      }
      raw = ctx.message.text;
      if (step.secret) await ctx.deleteMessage().catch(() => undefined);
    }
    if (raw === undefined) {
      await ctx.reply(ctx.t.typeOrPress);
      return;
    }
    let value: string;
    try {
      value = step.parse ? await step.parse(raw, ctx, st.values) : raw.trim();
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      await ctx.reply(clip(userErrorText(ctx.t, err)));
      await ask(ctx, step, st.values);
      return;
    }
    st.values[step.key] = step.secret ? secrets.encrypt(value) : value;
    if (step.secret && !st.secret.includes(step.key)) st.secret.push(step.key);
    const following = def.next(st.values, ctx);
    if (!following) return finish(ctx, def, secrets);
    await ask(ctx, following, st.values);
  };

  const scene = new Scenes.WizardScene<BotContext>(def.id, start, answer);
  scene.ttl = TTL_SECONDS;
  const cancel: MiddlewareFn<BotContext> = async (ctx) => {
    await ctx.scene.leave();
    if (ctx.callbackQuery) {
      await ctx.answerCbQuery().catch(() => undefined);
      await ctx.editMessageReplyMarkup(undefined).catch(() => undefined);
    }
    await ctx.reply(ctx.t.cancelled);
  };
  scene.command('cancel', cancel);
  scene.action(CANCEL, cancel);
  return scene;
}

/** Starts conversation `id` with the values the command line already gave. */
export function startConversation(ctx: BotContext, id: string, values: Values = {}): Promise<unknown> {
  return ctx.scene.enter(id, { values: { ...values }, secret: [] } satisfies State);
}
