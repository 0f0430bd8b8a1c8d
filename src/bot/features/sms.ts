/**
 * The SMS gateway («SMS-шлюз», admin): `/sms` shows it or asks step by step; one line
 * `/sms smsru api_id=… sender=MyCompany`; `/sms test|balance|senders|off`. A sender name is checked against
 * the gateway's approved list where it has one (a warning, the setting is saved anyway).
 */
import { Composer } from 'telegraf';
import { createSmsProvider, type SmsProvider } from '../../services/gateways.js';
import { SMS_PROVIDERS, type SmsProviderName } from '../../domain/types.js';
import { scrub } from '../../logger.js';
import { mask } from '../../secrets.js';
import { UserError } from '../../domain/errors.js';
import {
  SMS_SECRET_KINDS,
  checkSmsSender,
  clearSms,
  getSettings,
  loadSmsSettings,
  parseSmsProvider,
  saveSms,
  type SmsFallback,
  type SmsInput,
} from '../../services/settings.js';
import { isOff } from '../../domain/off-words.js';
import { adminOnly } from '../access.js';
import { commandPayload, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import { conversation, startConversation, type Step, type Values } from '../conversation.js';
import type { Feature } from '../feature.js';
import { firstMissing } from '../steps.js';
import { deleteSecretMessage } from './smtp.js';

const PROVIDER_NAMES: Record<SmsProviderName, string> = { smsru: 'sms.ru', smsc: 'SMSC.ru', smsaero: 'SMS Aero', twilio: 'Twilio' };
const NO_SENDER = '-';
const SECRET_KEY_RE = /^(api_id|apiid|password|psw|pass|api_key|apikey|key|token|auth_token)=/i;

function bool(key: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['on', 'yes', 'true', '1', 'да', 'вкл'].includes(v)) return true;
  if (['off', 'no', 'false', '0', 'нет', 'выкл'].includes(v)) return false;
  throw new UserError('sms_value_invalid', { key, value: raw });
}

/** `key=value` words into an SmsInput; `secret` tells whether a secret was among them. */
export function parseSmsPairs(words: string[]): { input: SmsInput; secret: boolean } {
  const input: SmsInput = {};
  let secret = false;
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new UserError('sms_key_unknown', { key: word });
    const key = word.slice(0, eq).toLowerCase();
    const value = word.slice(eq + 1);
    const setSecret = (kind: SmsInput['secretKind']) => {
      input.secret = value;
      input.secretKind = kind;
      secret = true;
    };
    switch (key) {
      case 'api_id':
      case 'apiid':
        setSecret('api_id');
        break;
      case 'password':
      case 'psw':
      case 'pass':
        setSecret('password');
        break;
      case 'api_key':
      case 'apikey':
      case 'key':
        setSecret('api_key');
        break;
      case 'token':
      case 'auth_token':
        setSecret('auth_token');
        break;
      case 'login':
      case 'sid':
      case 'email':
        input.login = value;
        break;
      case 'sender':
      case 'from':
        input.sender = isOff(value) ? null : value;
        break;
      case 'translit':
        input.translit = bool(key, value);
        break;
      case 'test':
      case 'test_mode':
      case 'testmode':
        input.testMode = bool(key, value);
        break;
      case 'parts':
      case 'max_parts': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 8) throw new UserError('sms_value_invalid', { key, value });
        input.maxParts = n;
        break;
      }
      case 'fallback':
        if (!['none', 'telegram', 'email'].includes(value)) throw new UserError('sms_value_invalid', { key, value });
        input.fallback = value as SmsFallback;
        break;
      default:
        throw new UserError('sms_key_unknown', { key });
    }
  }
  return { input, secret };
}

async function provider(deps: BotDeps): Promise<SmsProvider> {
  const loaded = await loadSmsSettings(deps.secrets, deps.config);
  if (!loaded) throw new UserError('sms_not_configured');
  return createSmsProvider(loaded.provider, loaded.options);
}

function reason(err: unknown): string {
  return scrub(err instanceof Error ? err.message : String(err));
}

async function show(ctx: BotContext, deps: BotDeps): Promise<void> {
  const sms = (await getSettings()).sms;
  const loaded = await loadSmsSettings(deps.secrets, deps.config);
  const t = ctx.t;
  if (!sms?.provider || !loaded) {
    await ctx.reply(`${t.smsNone}\n${t.smsHelp}`);
    return;
  }
  await ctx.reply(
    [
      t.smsTitle,
      t.smsShow({
        provider: PROVIDER_NAMES[loaded.provider],
        login: loaded.options.login ?? t.none,
        secretKind: loaded.options.secretKind,
        secret: mask(loaded.options.secret),
        sender: loaded.options.sender ?? t.smsSenderNone,
        translit: loaded.options.translit ? t.on : t.off,
        testMode: loaded.options.testMode ? t.on : t.off,
        maxParts: loaded.maxParts,
        fallback: t.smsFallback[loaded.fallback] ?? loaded.fallback,
      }),
      '',
      t.smsHelp,
    ].join('\n'),
  );
}

/** Warns when the saved sender name is not on the gateway's approved list. */
async function checkSender(ctx: BotContext, deps: BotDeps): Promise<void> {
  const loaded = await loadSmsSettings(deps.secrets, deps.config);
  const sender = loaded?.options.sender;
  if (!loaded || !sender) return;
  try {
    const p = createSmsProvider(loaded.provider, loaded.options);
    if (!p.senders) return;
    const approved = await p.senders();
    await ctx.reply(
      approved.some((s) => s.toLowerCase() === sender.toLowerCase())
        ? ctx.t.smsSenderApproved(sender)
        : ctx.t.smsSenderNotApproved(sender, approved.join(', ')),
    );
  } catch (err) {
    await ctx.reply(ctx.t.smsSenderUnchecked(reason(err)));
  }
}

async function save(ctx: BotContext, deps: BotDeps, input: SmsInput): Promise<void> {
  await saveSms(input, deps.secrets);
  await ctx.reply(ctx.t.smsSaved);
  if (input.sender) await checkSender(ctx, deps);
}

async function probe(ctx: BotContext, deps: BotDeps, what: 'test' | 'balance' | 'senders'): Promise<void> {
  const p = await provider(deps);
  const status = await ctx.reply(ctx.t.smsChecking);
  let text: string;
  try {
    if (what === 'test') text = ctx.t.smsTestOk(await p.check());
    else if (what === 'balance') {
      const b = await p.balance();
      text = ctx.t.smsBalance(b.amount, b.currency);
    } else if (!p.senders) text = ctx.t.smsNoSenders(PROVIDER_NAMES[p.name]);
    else {
      const list = await p.senders();
      text = list.length ? ctx.t.smsSenders(list.join(', ')) : ctx.t.smsSendersEmpty;
    }
  } catch (err) {
    deps.logger.warn({ err, provider: p.name }, `SMS gateway ${what} failed`);
    text = ctx.t.smsFailed(reason(err));
  }
  await ctx.telegram.editMessageText(status.chat.id, status.message_id, undefined, text);
}

function steps(values: Values): Step[] {
  const p = values.provider as SmsProviderName | undefined;
  const kind = values.kind ?? (p ? SMS_SECRET_KINDS[p][0] : undefined);
  return [
    {
      key: 'provider',
      ask: (ctx) => ctx.t.askSmsProvider,
      buttons: () => [SMS_PROVIDERS.map((x) => ({ text: PROVIDER_NAMES[x], value: x }))],
      parse: (raw) => parseSmsProvider(raw),
    },
    ...(p === 'smsru'
      ? [
          {
            key: 'kind',
            ask: (ctx: BotContext) => ctx.t.askSmsAuth,
            buttons: (ctx: BotContext) => [
              [
                { text: ctx.t.authApiId, value: 'api_id' },
                { text: ctx.t.authLogin, value: 'password' },
              ],
            ],
            parse: (raw: string) => {
              const v = raw.trim().toLowerCase();
              if (v !== 'api_id' && v !== 'password') throw new UserError('sms_value_invalid', { key: 'auth', value: raw });
              return v;
            },
          },
        ]
      : []),
    ...(kind && kind !== 'api_id' ? [{ key: 'login', ask: (ctx: BotContext) => ctx.t.askSmsLogin(p ?? '') }] : []),
    {
      key: 'secret',
      secret: true,
      ask: (ctx) => (kind === 'api_id' ? ctx.t.askSmsApiId : ctx.t.askSmsSecret(kind ?? 'password')),
    },
    {
      key: 'sender',
      ask: (ctx) => ctx.t.askSmsSender(p ?? ''),
      buttons: (ctx) => (p === 'twilio' ? [] : [[{ text: ctx.t.noSender, value: NO_SENDER }]]),
      parse: (raw) => (raw.trim() === NO_SENDER && p !== 'twilio' ? NO_SENDER : checkSmsSender(p ?? 'smsru', raw)),
    },
  ];
}

export function smsFeature(deps: BotDeps): Feature {
  const c = new Composer<BotContext>();
  const scene = conversation(
    {
      id: 'conv:sms',
      next: (v) => firstMissing(steps(v), v),
      finish: async (ctx, v) => {
        const p = v.provider as SmsProviderName;
        const kind = (v.kind ?? SMS_SECRET_KINDS[p][0]) as SmsInput['secretKind'];
        await save(ctx, deps, {
          provider: p,
          login: v.login ?? null,
          secret: v.secret!,
          secretKind: kind,
          sender: v.sender === NO_SENDER ? null : v.sender!,
        });
      },
    },
    deps.secrets,
  );

  c.command('sms', adminOnly, async (ctx) => {
    const words = tokenize(commandPayload(ctx));
    const first = words[0]?.toLowerCase() ?? '';
    switch (first) {
      case '': {
        const configured = await loadSmsSettings(deps.secrets, deps.config);
        return configured ? show(ctx, deps) : startConversation(ctx, 'conv:sms');
      }
      case 'setup':
        return startConversation(ctx, 'conv:sms');
      case 'show':
        return show(ctx, deps);
      case 'test':
      case 'balance':
      case 'senders':
        return probe(ctx, deps, first);
      case 'off':
        await clearSms();
        return ctx.reply(ctx.t.smsCleared);
    }
    const hasProvider = !first.includes('=');
    if (hasProvider && words.length === 1) {
      return startConversation(ctx, 'conv:sms', { provider: parseSmsProvider(first) });
    }
    const pairs = hasProvider ? words.slice(1) : words;
    // Delete a message that carries a secret before anything else can fail.
    if (pairs.some((w) => SECRET_KEY_RE.test(w))) await deleteSecretMessage(ctx);
    const { input } = parseSmsPairs(pairs);
    if (hasProvider) input.provider = parseSmsProvider(first);
    await save(ctx, deps, input);
  });

  return { composer: c, scenes: [scene] };
}
