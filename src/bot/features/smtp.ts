/**
 * The mail server (admin): `/smtp` shows it (password masked) or asks step by step; one line
 * `/smtp smtps://login:password@host:465 "Name <from@example.org>"`; `/smtp test`; `/smtp off`.
 * A message that carried a password is deleted from the chat.
 */
import { Composer } from 'telegraf';
import { failureCauseOf, testSmtp } from '../../services/gateways.js';
import { parseSmtpUrl } from '../../domain/smtp-url.js';
import { failureText } from '../../i18n/failures.js';
import { scrub } from '../../logger.js';
import { mask } from '../../secrets.js';
import { UserError } from '../../domain/errors.js';
import { isEmail } from '../../services/contacts.js';
import {
  checkSmtpFrom,
  checkSmtpHost,
  checkSmtpPort,
  checkSmtpSecurity,
  clearSmtp,
  loadSmtpSettings,
  saveSmtp,
} from '../../services/settings.js';
import { adminOnly } from '../access.js';
import { commandPayload, splitFirst, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import { conversation, seenVersion, startConversation, type Step, type Values } from '../conversation.js';
import type { Feature } from '../feature.js';
import { firstMissing } from '../steps.js';
import { smtpSecurityFor } from '../../domain/gateways.js';

const NO_LOGIN = '-';
/** The word that allows a login over an unencrypted connection. */
const INSECURE = 'insecure';

/** Deletes the message that carried a secret and says so (or asks the person to delete it). */
export async function deleteSecretMessage(ctx: BotContext): Promise<void> {
  try {
    await ctx.deleteMessage();
    await ctx.reply(ctx.t.passwordDeleted);
  } catch {
    await ctx.reply(ctx.t.passwordNotDeleted);
  }
}

async function show(ctx: BotContext, deps: BotDeps): Promise<void> {
  const s = await loadSmtpSettings(deps.secrets);
  if (!s) {
    await ctx.reply(`${ctx.t.smtpNone}\n${ctx.t.smtpHelp}`);
    return;
  }
  const t = ctx.t;
  await ctx.reply(
    [
      t.smtpTitle,
      t.smtpShow(s.host, s.port, s.security, s.user ?? t.none, s.password ? mask(s.password) : t.none, s.from),
      ...(s.insecureLogin ? [t.smtpInsecureWarning] : []),
      '',
      t.smtpHelp,
    ].join('\n'),
  );
}

async function test(ctx: BotContext, deps: BotDeps): Promise<void> {
  const settings = await loadSmtpSettings(deps.secrets);
  if (!settings) throw new UserError('smtp_not_configured');
  const to = ctx.person.email;
  if (!to) {
    await ctx.reply(ctx.t.smtpTestNeedEmail);
    return;
  }
  const status = await ctx.reply(ctx.t.smtpTesting);
  let text: string;
  try {
    const letter = { to, subject: ctx.t.smtpTestSubject, text: ctx.t.smtpTestBody(ctx.person.name) };
    const { verified, receipt } = await testSmtp(settings, letter, { timeoutMs: deps.config.HTTP_TIMEOUT_MS, logger: deps.logger });
    text = ctx.t.smtpTestOk(verified, to, receipt.response ?? receipt.providerMessageId ?? 'OK');
  } catch (err) {
    deps.logger.warn({ err, host: settings.host, port: settings.port }, 'SMTP test failed');
    const why = failureText(ctx.t, { channel: 'email', cause: failureCauseOf(err) }, false);
    text = ctx.t.smtpTestFailed(why, scrub((err as Error).message ?? String(err)));
  }
  await ctx.telegram.editMessageText(status.chat.id, status.message_id, undefined, text);
}

/** Whether a one-line `/smtp` payload carries nothing secret: a URL without a password, then the sender. */
function evidentlyNoSecret(url: string): boolean {
  try {
    return !parseSmtpUrl(url).password;
  } catch {
    // Not a URL we read: it may be `host user password`; better deleted than left in the chat.
    return false;
  }
}

/** Saves, or on a conflict with another admin's save says so and shows what is saved now. */
async function saveOrShowCurrent(ctx: BotContext, deps: BotDeps, save: () => Promise<unknown>): Promise<boolean> {
  try {
    await save();
    return true;
  } catch (err) {
    if (!(err instanceof UserError) || err.code !== 'settings_conflict') throw err;
    await ctx.reply(ctx.t.settingsConflict);
    await show(ctx, deps);
    return false;
  }
}

async function saveFromUrl(ctx: BotContext, deps: BotDeps, payload: string): Promise<void> {
  const [url, rest] = splitFirst(payload);
  const words = tokenize(rest);
  const insecure = words.at(-1)?.toLowerCase() === INSECURE;
  if (insecure) words.pop();
  // Delete before anything can fail; every form that may hold a password (an e-mail login too) goes.
  const deleted = !evidentlyNoSecret(url);
  if (deleted) await deleteSecretMessage(ctx);
  let parsed: ReturnType<typeof parseSmtpUrl>;
  try {
    parsed = parseSmtpUrl(url);
  } catch (err) {
    // The reason quotes pieces of the URL (a parameter, a scheme): not when the message was deleted.
    const reason = scrub((err as Error).message);
    throw new UserError('smtp_url_invalid', { reason: deleted ? reason.replace(/"[^"]*"/g, '"…"') : reason });
  }
  let from: string | undefined = words.join(' ').trim() || undefined;
  if (from !== undefined && deleted) {
    // Never echo a value from a deleted message: it may be the password in the wrong place.
    try {
      from = checkSmtpFrom(from);
    } catch {
      throw new UserError('smtp_from_invalid', { value: '…' });
    }
  }
  if (!from) {
    const current = await loadSmtpSettings(deps.secrets).catch(() => undefined);
    from = current?.from ?? (parsed.user && isEmail(parsed.user) ? parsed.user : undefined);
  }
  const input = {
    host: parsed.host,
    port: parsed.port,
    security: parsed.security,
    user: parsed.user ?? null,
    password: parsed.password ?? null,
    insecure,
    ...(from !== undefined ? { from } : {}),
  };
  if (!(await saveOrShowCurrent(ctx, deps, () => saveSmtp(input, deps.secrets)))) return;
  await ctx.reply(savedText(ctx, parsed.security === 'none' && !!parsed.user));
}

function savedText(ctx: BotContext, insecure: boolean): string {
  return insecure ? `${ctx.t.smtpSaved}\n${ctx.t.smtpInsecureWarning}` : ctx.t.smtpSaved;
}

function steps(): Step[] {
  return [
    { key: 'host', ask: (ctx) => ctx.t.askSmtpHost, parse: (raw) => checkSmtpHost(raw) },
    {
      key: 'port',
      ask: (ctx) => ctx.t.askSmtpPort,
      buttons: () => [['465', '587', '25'].map((p) => ({ text: p, value: p }))],
      parse: (raw) => String(checkSmtpPort(raw)),
    },
    {
      key: 'security',
      ask: (ctx) => ctx.t.askSmtpSecurity,
      buttons: (_ctx, v) => {
        const all = [
          { text: 'TLS (465)', value: 'tls' },
          { text: 'STARTTLS (587)', value: 'starttls' },
          { text: 'none', value: 'none' },
        ];
        // The usual choice for the chosen port first.
        const first = smtpSecurityFor(Number(v.port));
        return [all.sort((a, b) => Number(b.value === first) - Number(a.value === first))];
      },
      parse: (raw) => checkSmtpSecurity(raw),
    },
    {
      key: 'user',
      ask: (ctx) => ctx.t.askSmtpUser,
      buttons: (ctx) => [[{ text: ctx.t.noLogin, value: NO_LOGIN }]],
    },
    { key: 'password', ask: (ctx) => ctx.t.askSmtpPassword, secret: true },
    {
      key: 'insecure',
      ask: (ctx) => ctx.t.askSmtpInsecure,
      buttons: (ctx) => [[{ text: ctx.t.smtpInsecureYes, value: INSECURE }]],
      parse: (raw) => {
        if (raw.trim().toLowerCase() !== INSECURE) throw new UserError('smtp_insecure_login');
        return INSECURE;
      },
    },
    { key: 'from', ask: (ctx) => ctx.t.askSmtpFrom, parse: (raw) => checkSmtpFrom(raw) },
  ];
}

function nextStep(values: Values): Step | undefined {
  const noLogin = values.user === NO_LOGIN;
  const all = steps().filter(
    (s) => !(s.key === 'password' && noLogin) && !(s.key === 'insecure' && (noLogin || values.security !== 'none')),
  );
  return firstMissing(all, values);
}

export function smtpFeature(deps: BotDeps): Feature {
  const c = new Composer<BotContext>();
  const scene = conversation(
    {
      id: 'conv:smtp',
      next: nextStep,
      admin: true,
      versioned: true,
      finish: async (ctx, v) => {
        const noLogin = v.user === NO_LOGIN;
        const input = {
          host: v.host!,
          port: Number(v.port),
          security: checkSmtpSecurity(v.security!),
          user: noLogin ? null : v.user!,
          password: noLogin ? null : v.password!,
          from: v.from!,
          insecure: v.insecure === INSECURE,
        };
        const saved = await saveOrShowCurrent(ctx, deps, () => saveSmtp(input, deps.secrets, { expectedVersion: seenVersion(v) }));
        if (saved) await ctx.reply(savedText(ctx, input.insecure));
      },
    },
    deps.secrets,
  );

  c.command('smtp', adminOnly, async (ctx) => {
    const payload = commandPayload(ctx);
    const [first] = splitFirst(payload);
    switch (first.toLowerCase()) {
      case '': {
        const configured = await loadSmtpSettings(deps.secrets);
        return configured ? show(ctx, deps) : startConversation(ctx, 'conv:smtp');
      }
      case 'setup':
        return startConversation(ctx, 'conv:smtp');
      case 'show':
        return show(ctx, deps);
      case 'test':
        return test(ctx, deps);
      case 'off':
        await clearSmtp();
        return ctx.reply(ctx.t.smtpCleared);
      default:
        return saveFromUrl(ctx, deps, payload);
    }
  });

  return { composer: c, scenes: [scene] };
}
