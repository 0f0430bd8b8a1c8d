/**
 * The SMS gateway («SMS-шлюз», admin): `/sms` shows it or asks step by step; one line
 * `/sms smsru api_id=… sender=MyCompany`; `/sms test|balance|senders|off`. A sender name is checked against
 * the gateway's approved list where it has one (a warning, the setting is saved anyway).
 */
import { Composer } from 'telegraf';
import { createSmsProvider, failureCauseOf, type SmsProvider } from '../../services/gateways.js';
import { failureText } from '../../i18n/failures.js';
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
  saveSmsCountries,
  smsCountries,
  type SmsFallback,
  type SmsInput,
} from '../../services/settings.js';
import { isOff } from '../../domain/off-words.js';
import { adminOnly } from '../access.js';
import { commandPayload, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import { conversation, seenVersion, startConversation, type Step, type Values } from '../conversation.js';
import type { Feature } from '../feature.js';
import { firstMissing } from '../steps.js';
import { deleteSecretMessage } from './smtp.js';

const PROVIDER_NAMES: Record<SmsProviderName, string> = { smsru: 'sms.ru', smsc: 'SMSC.ru', smsaero: 'SMS Aero', twilio: 'Twilio' };
const NO_SENDER = '-';
const SECRET_KEYS = ['api_id', 'apiid', 'password', 'psw', 'pass', 'api_key', 'apikey', 'key', 'token', 'auth_token'];
const PLAIN_KEYS = [
  'login',
  'sid',
  'email',
  'sender',
  'from',
  'translit',
  'test',
  'test_mode',
  'testmode',
  'parts',
  'max_parts',
  'fallback',
  'countries',
];

function isKey(word: string): boolean {
  const k = word.toLowerCase();
  return SECRET_KEYS.includes(k) || PLAIN_KEYS.includes(k);
}

/** `key value` (a space instead of `=`) into `key=value`, for every known key followed by a value. */
function joinSpacedPairs(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.includes('=') && isKey(w) && i + 1 < words.length && !words[i + 1]!.includes('=')) {
      out.push(`${w}=${words[i + 1]}`);
      i++;
    } else out.push(w);
  }
  return out;
}

/** Whether every word is a known setting other than a secret (`sender=…`, `parts=3`): nothing to delete. */
function evidentlyNoSecret(pairs: string[]): boolean {
  return pairs.every((w) => {
    const eq = w.indexOf('=');
    return eq > 0 && PLAIN_KEYS.includes(w.slice(0, eq).toLowerCase());
  });
}

/** The same mistake without the value it quotes: the message it came from may have held a secret. */
function withoutValues(err: UserError): UserError {
  const params = Object.fromEntries(Object.entries(err.params).map(([k, v]) => [k, k === 'value' ? '…' : v]));
  return new UserError(err.code, params);
}

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
    // A bare word may be a secret typed without its key: it is never quoted back.
    if (eq <= 0) throw new UserError('sms_key_unknown', { key: isKey(word) ? word : '…' });
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
  const countries = await smsCountries();
  const countriesLine = t.smsCountriesShow(countries.join(', '));
  if (!sms?.provider || !loaded) {
    await ctx.reply(`${t.smsNone}\n${countriesLine}\n${t.smsHelp}`);
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
      countriesLine,
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
    await ctx.reply(ctx.t.smsSenderUnchecked(failureText(ctx.t, { channel: 'sms', cause: failureCauseOf(err) }, false), reason(err)));
  }
}

async function save(ctx: BotContext, deps: BotDeps, input: SmsInput, expectedVersion?: number): Promise<void> {
  try {
    await saveSms(input, deps.secrets, { expectedVersion });
  } catch (err) {
    if (!(err instanceof UserError) || err.code !== 'settings_conflict') throw err;
    await ctx.reply(ctx.t.settingsConflict);
    await show(ctx, deps);
    return;
  }
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
    text = ctx.t.smsFailed(failureText(ctx.t, { channel: 'sms', cause: failureCauseOf(err) }, false), reason(err));
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
      admin: true,
      versioned: true,
      finish: async (ctx, v) => {
        const p = v.provider as SmsProviderName;
        const kind = (v.kind ?? SMS_SECRET_KINDS[p][0]) as SmsInput['secretKind'];
        await save(
          ctx,
          deps,
          {
            provider: p,
            login: v.login ?? null,
            secret: v.secret!,
            secretKind: kind,
            sender: v.sender === NO_SENDER ? null : v.sender!,
          },
          seenVersion(v),
        );
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
    const hasProvider = !first.includes('=') && !isKey(first);
    if (hasProvider && words.length === 1 && SMS_PROVIDERS.includes(first.replace(/[.\s_-]/g, '') as SmsProviderName)) {
      return startConversation(ctx, 'conv:sms', { provider: parseSmsProvider(first) });
    }
    const pairs = joinSpacedPairs(hasProvider ? words.slice(1) : words);
    // Delete a message that may carry a secret (any form of it) before anything else can fail.
    const deleted = !evidentlyNoSecret(pairs) || (hasProvider && words.length === 1);
    if (deleted) await deleteSecretMessage(ctx);
    try {
      // `/sms countries=RU,KZ` is a policy on people's phones: it needs no gateway, so it is saved on its own.
      const countries = pairs.find((w) => /^countries=/i.test(w));
      if (countries) {
        const list = await saveSmsCountries(countries.slice('countries='.length));
        await ctx.reply(list.length ? ctx.t.smsCountriesSaved(list.join(', ')) : ctx.t.smsCountriesAny);
        if (pairs.length === 1 && !hasProvider) return;
      }
      const { input } = parseSmsPairs(pairs.filter((w) => w !== countries));
      if (hasProvider) input.provider = parseSmsProvider(first);
      await save(ctx, deps, input);
    } catch (err) {
      if (deleted && err instanceof UserError) throw withoutValues(err);
      throw err;
    }
  });

  return { composer: c, scenes: [scene] };
}
