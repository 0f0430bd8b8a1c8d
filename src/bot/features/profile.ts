/**
 * The person's own profile: /me, /email, /phone (+ /confirm with the code they get), /tz, /quiet, /lang
 * (admins: /email and /phone of others, trusted without a code).
 */
import { timeZoneError } from '../../domain/time-zones.js';
import { Composer, Markup } from 'telegraf';
import type { SecretBox } from '../../secrets.js';
import { UserError } from '../../domain/errors.js';
import { canonicalZone, parseQuietHours, requirePerson, setLanguage, setQuietHours, setTimezone } from '../../services/people.js';
import { checkPhoneForSms, isEmail, setEmail, setPhone } from '../../services/contacts.js';
import { listWatched } from '../../services/observers.js';
import { CODE_TTL_MS, confirmCode, requestCode } from '../../services/contact-codes.js';
import { replanPending } from '../../services/notify-prefs.js';
import { isOff } from '../../domain/off-words.js';
import { adminOnly } from '../access.js';
import { commandPayload, splitFirst, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import type { PersonDoc } from '../../db/models/index.js';
import type { Texts } from '../../i18n/index.js';
import { conversation, startConversation, type Step } from '../conversation.js';
import type { Feature } from '../feature.js';
import { channelList, clip } from '../format.js';
import { texts } from '../../i18n/index.js';
import { callbackData, callbackPattern } from '../../domain/callback-data.js';
import { digestText, ownChannelsText } from './notify-prefs.js';
import { remindText } from './reminders.js';

const ZONES = ['Europe/Kaliningrad', 'Europe/Moscow', 'Europe/Samara', 'Asia/Yekaterinburg', 'Asia/Novosibirsk', 'Asia/Vladivostok'];

async function showProfile(ctx: BotContext): Promise<void> {
  const p = ctx.person;
  const t = ctx.t;
  const watched = await listWatched(p._id);
  const lines = [
    t.profileTitle(p.name, p.username ?? undefined, p.role === 'admin'),
    t.profileEmail(p.email ?? undefined),
    t.profilePhone(p.phone ?? undefined),
    ...[p.pendingEmail, p.pendingPhone].flatMap((pending) =>
      pending && pending.expiresAt > new Date() ? [t.profilePending(pending.value)] : [],
    ),
    t.profileChannels(ownChannelsText(t, p)),
    t.profileDigest(digestText(t, p)),
    t.profileRemind(remindText(t, p)),
    t.profileLang(t.langName),
    t.profileTz(p.timezone),
    t.profileQuiet(p.quietHours?.start ? `${p.quietHours.start}–${p.quietHours.end}` : undefined, Boolean(p.quietEmail)),
    t.profileWatching(watched.length ? watched.map((w) => `#${w.taskNumber} (${channelList(t, w.channels)})`).join(', ') : undefined),
  ];
  // Many watched tasks make the list longer than Telegram takes (4096 characters).
  await ctx.reply(clip(lines.join('\n')));
}

/** What /email and /phone differ in: the setter, the field and the answers. */
const CONTACTS = {
  email: {
    set: setEmail,
    value: (p: PersonDoc) => p.email ?? undefined,
    savedFor: (t: Texts, name: string, v: string) => t.emailSavedFor(name, v),
    clearedFor: (t: Texts, name: string) => t.emailClearedFor(name),
    saved: (t: Texts, v: string) => t.emailSaved(v),
    cleared: (t: Texts) => t.emailCleared,
  },
  phone: {
    set: setPhone,
    value: (p: PersonDoc) => p.phone ?? undefined,
    savedFor: (t: Texts, name: string, v: string) => t.phoneSavedFor(name, v),
    clearedFor: (t: Texts, name: string) => t.phoneClearedFor(name),
    saved: (t: Texts, v: string) => t.phoneSaved(v),
    cleared: (t: Texts) => t.phoneCleared,
  },
} as const;

/**
 * Sets (or with an off word clears) one's own e-mail or phone, or, with `ref`, an admin sets another's. A
 * member's own new address gets a code first (it counts once they send it back); an admin's word is
 * trusted, for others as for themselves (they could set their own as `@themselves` anyway).
 */
async function applyContact(kind: keyof typeof CONTACTS, ctx: BotContext, deps: BotDeps, raw: string, ref?: string): Promise<void> {
  const c = CONTACTS[kind];
  const value = isOff(raw) ? null : raw;
  if (!ref && value !== null && ctx.person.role !== 'admin') {
    const sent = await requestCode(ctx.person, kind, value, deps);
    await ctx.reply(ctx.t.codeSent(kind, sent.value, CODE_TTL_MS / 60_000));
    return;
  }
  const target = ref ? await requirePerson(ref) : ctx.person;
  const p = await c.set(target._id, value, { reveal: true });
  const saved = c.value(p);
  if (!ref) ctx.person = p;
  const t = ctx.t;
  if (ref) await ctx.reply(saved ? c.savedFor(t, p.name, saved) : c.clearedFor(t, p.name));
  else await ctx.reply(saved ? c.saved(t, saved) : c.cleared(t));
}

/** The code of a pending contact: it becomes the person's e-mail or phone. */
async function applyCode(ctx: BotContext, raw: string): Promise<void> {
  const { kind, person } = await confirmCode(ctx.person, raw);
  ctx.person = person;
  await ctx.reply(kind === 'email' ? ctx.t.emailSaved(person.email!) : ctx.t.phoneSaved(person.phone!));
}

/** A message of just the six digits of a code (spaces or a dash inside allowed). */
const BARE_CODE = /^\s*\d{3}[\s-]?\d{3}\s*$/;

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
  const applyEmail = (ctx: BotContext, raw: string, ref?: string) => applyContact('email', ctx, deps, raw, ref);
  const applyPhone = (ctx: BotContext, raw: string, ref?: string) => applyContact('phone', ctx, deps, raw, ref);
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
          if (!z) throw timeZoneError(raw);
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
    // `/email <who> <address>` is an admin's; anything else of two or more words is a mistyped address
    // (`/email ivan example.org`), answered as one whoever wrote it.
    if (words.length > 2 || !(isEmail(words[1]!) || isOff(words[1]!))) throw new UserError('email_invalid', { value: commandPayload(ctx) });
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

  c.command('confirm', async (ctx) => applyCode(ctx, commandPayload(ctx)));

  // Just the digits, from someone a code is waiting for; anyone else's digits go on to the next handler.
  c.hears(BARE_CODE, async (ctx, next) => {
    const p = ctx.person;
    if (!p.pendingEmail && !p.pendingPhone) return next();
    return applyCode(ctx, ctx.message.text);
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
