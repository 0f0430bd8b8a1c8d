/**
 * The SMS gateway («SMS-шлюз», admin): `/sms` shows it or asks step by step; one line
 * `/sms smsru api_id=… sender=MyCompany`; `/sms test|balance|senders|off`. A sender name is checked against
 * the gateway's approved list where it has one (a warning, the setting is saved anyway).
 */
import { Composer } from 'telegraf';
import { failureCauseOf, smsGatewayFor, type SmsGatewayChecks } from '../../services/gateways.js';
import { failureText } from '../../i18n/failures.js';
import { SMS_PROVIDERS, type SmsProviderName } from '../../domain/types.js';
import { scrub } from '../../logger.js';
import { mask } from '../../secrets.js';
import { UserError } from '../../domain/errors.js';
import {
  SMS_SECRET_KINDS,
  clearSms,
  getSettings,
  loadSmsSettings,
  parseSmsProvider,
  saveSms,
  saveSmsCountries,
  smsCountries,
  type SmsInput,
} from '../../services/settings.js';
import { adminOnly } from '../access.js';
import { commandPayload, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import { conversation, seenVersion, startConversation } from '../conversation.js';
import type { Feature } from '../feature.js';
import { firstMissing } from '../steps.js';
import { deleteSecretMessage } from './smtp.js';
import { evidentlyNoSecret, isKey, joinSpacedPairs, parseSmsPairs, withoutValues } from './sms-pairs.js';
import { NO_SENDER, PROVIDER_NAMES, smsSteps } from './sms-setup.js';

async function gateway(deps: BotDeps): Promise<SmsGatewayChecks> {
  const loaded = await loadSmsSettings(deps.secrets, deps.config);
  if (!loaded) throw new UserError('sms_not_configured');
  return smsGatewayFor(loaded);
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
    const p = smsGatewayFor(loaded);
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
  const p = await gateway(deps);
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

export function smsFeature(deps: BotDeps): Feature {
  const c = new Composer<BotContext>();
  const scene = conversation(
    {
      id: 'conv:sms',
      next: (v) => firstMissing(smsSteps(v), v),
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
