/** The person's own profile: /me, /email, /phone, /tz, /quiet, /lang (admins: /email and /phone of others). */
import { Composer, Markup } from 'telegraf';
import type { SecretBox } from '../../secrets.js';
import { UserError } from '../../domain/errors.js';
import {
  canonicalZone,
  checkPhoneForSms,
  isEmail,
  parseQuietHours,
  requirePerson,
  setEmail,
  setLanguage,
  setPhone,
  setQuietHours,
  setTimezone,
} from '../../services/people.js';
import { listWatched } from '../../services/observers.js';
import { replanPending } from '../../services/notify-prefs.js';
import { isOff } from '../../domain/off-words.js';
import { adminOnly } from '../access.js';
import { commandPayload, splitFirst, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import { conversation, startConversation, type Step } from '../conversation.js';
import type { Feature } from '../feature.js';
import { channelList, clip } from '../format.js';
import { texts } from '../../i18n/index.js';
import { callbackData, callbackPattern } from '../../domain/callback-data.js';
import { digestText, ownChannelsText } from './notify-prefs.js';

const ZONES = ['Europe/Kaliningrad', 'Europe/Moscow', 'Europe/Samara', 'Asia/Yekaterinburg', 'Asia/Novosibirsk', 'Asia/Vladivostok'];

async function showProfile(ctx: BotContext): Promise<void> {
  const p = ctx.person;
  const t = ctx.t;
  const watched = await listWatched(p._id);
  const lines = [
    t.profileTitle(p.name, p.username ?? undefined, p.role === 'admin'),
    t.profileEmail(p.email ?? undefined),
    t.profilePhone(p.phone ?? undefined),
    t.profileChannels(ownChannelsText(t, p)),
    t.profileDigest(digestText(t, p)),
    t.profileLang(t.langName),
    t.profileTz(p.timezone),
    t.profileQuiet(p.quietHours?.start ? `${p.quietHours.start}–${p.quietHours.end}` : undefined, Boolean(p.quietEmail)),
    t.profileWatching(watched.length ? watched.map((w) => `#${w.taskNumber} (${channelList(t, w.channels)})`).join(', ') : undefined),
  ];
  // Many watched tasks make the list longer than Telegram takes (4096 characters).
  await ctx.reply(clip(lines.join('\n')));
}

async function applyEmail(ctx: BotContext, raw: string, ref?: string): Promise<void> {
  const value = isOff(raw) ? null : raw;
  if (ref) {
    const target = await requirePerson(ref);
    const p = await setEmail(target._id, value);
    await ctx.reply(p.email ? ctx.t.emailSavedFor(p.name, p.email) : ctx.t.emailClearedFor(p.name));
    return;
  }
  const p = await setEmail(ctx.person._id, value);
  ctx.person = p;
  await ctx.reply(p.email ? ctx.t.emailSaved(p.email) : ctx.t.emailCleared);
}

async function applyPhone(ctx: BotContext, raw: string, ref?: string): Promise<void> {
  const value = isOff(raw) ? null : raw;
  if (ref) {
    const target = await requirePerson(ref);
    const p = await setPhone(target._id, value);
    await ctx.reply(p.phone ? ctx.t.phoneSavedFor(p.name, p.phone) : ctx.t.phoneClearedFor(p.name));
    return;
  }
  const p = await setPhone(ctx.person._id, value);
  ctx.person = p;
  await ctx.reply(p.phone ? ctx.t.phoneSaved(p.phone) : ctx.t.phoneCleared);
}

async function applyTz(ctx: BotContext, raw: string): Promise<void> {
  ctx.person = await setTimezone(ctx.person._id, raw);
  // A daily digest waits for a local time: held deliveries move with the zone.
  if (ctx.person.digestTime) await replanPending(ctx.person);
  await ctx.reply(ctx.t.tzSaved(ctx.person.timezone));
}

async function applyQuiet(ctx: BotContext, raw: string): Promise<void> {
  const p = await setQuietHours(ctx.person._id, raw);
  ctx.person = p;
  await ctx.reply(
    p.quietHours?.start ? ctx.t.quietSaved(`${p.quietHours.start}–${p.quietHours.end}`, Boolean(p.quietEmail)) : ctx.t.quietCleared,
  );
}

async function applyLang(ctx: BotContext, raw: string): Promise<void> {
  ctx.person = await setLanguage(ctx.person._id, raw);
  ctx.t = texts(ctx.person.language);
  await ctx.reply(ctx.t.langSaved);
}

/** A one-question conversation whose answer goes to `apply`. */
function single(id: string, step: Step, apply: (ctx: BotContext, raw: string) => Promise<void>, secrets: SecretBox) {
  return conversation(
    { id, next: (v) => (v[step.key] === undefined ? step : undefined), finish: (ctx, v) => apply(ctx, v[step.key]!) },
    secrets,
  );
}

export function profileFeature(deps: BotDeps): Feature {
  const c = new Composer<BotContext>();
  const scenes = [
    single(
      'conv:email',
      {
        key: 'email',
        ask: (ctx) => ctx.t.askEmail,
        parse: (raw) => {
          const v = raw.trim();
          if (!isOff(v) && !isEmail(v)) throw new UserError('email_invalid', { value: v });
          return v;
        },
      },
      (ctx, v) => applyEmail(ctx, v),
      deps.secrets,
    ),
    single(
      'conv:phone',
      {
        key: 'phone',
        ask: (ctx) => ctx.t.askPhone,
        parse: async (raw) => {
          const v = raw.trim();
          if (!isOff(v)) await checkPhoneForSms(v);
          return v;
        },
      },
      (ctx, v) => applyPhone(ctx, v),
      deps.secrets,
    ),
    single(
      'conv:tz',
      {
        key: 'tz',
        ask: (ctx) => ctx.t.askTz,
        buttons: () => [ZONES.slice(0, 3).map((z) => ({ text: z, value: z })), ZONES.slice(3).map((z) => ({ text: z, value: z }))],
        parse: (raw) => {
          const z = canonicalZone(raw);
          if (!z) throw new UserError('tz_invalid', { value: raw.trim() });
          return z;
        },
      },
      applyTz,
      deps.secrets,
    ),
    single(
      'conv:quiet',
      {
        key: 'quiet',
        ask: (ctx) => ctx.t.askQuiet,
        buttons: (ctx) => [
          [
            { text: '22:00–08:00', value: '22:00-08:00' },
            { text: '23:00–07:00', value: '23:00-07:00' },
          ],
          [{ text: ctx.t.quietOff, value: 'off' }],
        ],
        parse: (raw) => {
          const v = raw.trim();
          if (!isOff(v) && !parseQuietHours(v)) throw new UserError('quiet_invalid', { value: v });
          return v;
        },
      },
      applyQuiet,
      deps.secrets,
    ),
  ];

  c.command('me', showProfile);

  c.command('email', async (ctx) => {
    const words = tokenize(commandPayload(ctx));
    if (words.length === 0) return startConversation(ctx, 'conv:email');
    if (words.length === 1) return applyEmail(ctx, words[0]!);
    if (words.length > 2) throw new UserError('email_invalid', { value: commandPayload(ctx) });
    return adminOnly(ctx, () => applyEmail(ctx, words[1]!, words[0]));
  });

  c.command('phone', async (ctx) => {
    const payload = commandPayload(ctx);
    if (!payload) return startConversation(ctx, 'conv:phone');
    const [first, rest] = splitFirst(payload);
    if (first.startsWith('@')) {
      if (!rest) throw new UserError('phone_invalid', { value: payload });
      return adminOnly(ctx, () => applyPhone(ctx, rest, first));
    }
    return applyPhone(ctx, payload);
  });

  c.command('tz', async (ctx) => {
    const payload = commandPayload(ctx);
    return payload ? applyTz(ctx, payload) : startConversation(ctx, 'conv:tz');
  });

  c.command('quiet', async (ctx) => {
    const payload = commandPayload(ctx);
    return payload ? applyQuiet(ctx, payload) : startConversation(ctx, 'conv:quiet');
  });

  c.command('lang', async (ctx) => {
    const payload = commandPayload(ctx);
    if (payload) return applyLang(ctx, payload);
    await ctx.reply(
      ctx.t.askLang,
      Markup.inlineKeyboard([
        [Markup.button.callback('Русский', callbackData.language('ru')), Markup.button.callback('English', callbackData.language('en'))],
      ]),
    );
  });

  c.action(callbackPattern.language, async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
    await ctx.editMessageReplyMarkup(undefined).catch(() => undefined);
    await applyLang(ctx, ctx.match[1]!);
  });

  return { composer: c, scenes };
}
