/**
 * Membership (admins): `/invite [uses] [days]`, `/invite list`, `/invite revoke <n>`, `/members`,
 * `/remove <@user|id>`, and the Approve / Deny buttons under a join request.
 */
import { sendUnprompted } from '../unprompted.js';
import { Composer } from 'telegraf';
import type { PersonDoc } from '../../db/models/index.js';
import {
  createInvite,
  decideJoin,
  listInvites,
  listRoster,
  parseInviteArgs,
  readmitMember,
  removeMember,
  revokeInvite,
} from '../../services/membership.js';
import { requirePerson } from '../../services/people.js';
import { adminOnly, isAdmin } from '../access.js';
import { commandPayload, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import type { Feature } from '../feature.js';
import { clip } from '../format.js';
import { JOIN_DECISION } from '../gate.js';
import { texts } from '../../i18n/index.js';

export interface MembershipFeatureOptions {
  /** Called after someone's role changed, to update their command menu. */
  onRoleChanged?: (person: PersonDoc) => Promise<void>;
}

function who(p: PersonDoc): string {
  return `${p.name}${p.username ? ` @${p.username}` : ''} (id ${p.telegramId})`;
}

function date(d: Date, zone: string): string {
  return d.toLocaleString('ru-RU', { timeZone: zone, dateStyle: 'short', timeStyle: 'short' });
}

export function membershipFeature(deps: BotDeps, opts: MembershipFeatureOptions = {}): Feature {
  const c = new Composer<BotContext>();

  c.command('invite', adminOnly, async (ctx) => {
    const words = tokenize(commandPayload(ctx));
    const t = ctx.t;
    if (words[0]?.toLowerCase() === 'list') {
      const list = await listInvites();
      const lines = list.map((i) => t.inviteLine(i.number, i.usesLeft, i.maxUses, date(i.expiresAt, ctx.person.timezone), i.createdByName));
      await ctx.reply(clip(list.length ? [t.invitesTitle, ...lines, '', t.inviteUsage].join('\n') : `${t.invitesNone}\n${t.inviteUsage}`));
      return;
    }
    if (words[0]?.toLowerCase() === 'revoke') {
      const n = Number(words[1]);
      if (!words[1] || !Number.isInteger(n) || n < 1) {
        await ctx.reply(t.inviteUsage);
        return;
      }
      await ctx.reply((await revokeInvite(n)) ? t.inviteRevoked(n) : t.inviteNotFound(n));
      return;
    }
    const { uses, days } = parseInviteArgs(words);
    const invite = await createInvite(ctx.person._id, uses, days);
    const link = `https://t.me/${ctx.botInfo.username}?start=${invite.code}`;
    deps.logger.info({ invite: invite.number, uses, days, by: ctx.person.telegramId }, 'invite link made');
    await ctx.reply(t.inviteMade(link, invite.number, uses, date(invite.expiresAt, ctx.person.timezone)));
  });

  c.command('members', adminOnly, async (ctx) => {
    const t = ctx.t;
    const r = await listRoster();
    const line = (p: PersonDoc) => `• ${who(p)}${p.role === 'admin' ? ` — ${t.roleAdmin}` : ''}`;
    const parts = [t.membersTitle(r.members.length), ...r.members.map(line)];
    parts.push('', t.pendingTitle(r.pending.length), ...r.pending.map(line));
    parts.push('', t.blockedTitle(r.blocked.length), ...r.blocked.map(line));
    parts.push('', t.membersHint);
    await ctx.reply(clip(parts.join('\n')));
  });

  c.command('remove', adminOnly, async (ctx) => {
    const [ref] = tokenize(commandPayload(ctx));
    if (!ref) {
      await ctx.reply(ctx.t.removeUsage);
      return;
    }
    const person = await requirePerson(ref);
    if (person._id.equals(ctx.person._id)) {
      await ctx.reply(ctx.t.removeSelf);
      return;
    }
    if (deps.config.ADMIN_IDS.includes(person.telegramId)) {
      await ctx.reply(ctx.t.adminFromConfig(person.name));
      return;
    }
    if (person.role === 'blocked') {
      await ctx.reply(ctx.t.alreadyRemoved(person.name));
      return;
    }
    const wasAdmin = person.role === 'admin';
    await removeMember(person);
    if (wasAdmin) await opts.onRoleChanged?.(person);
    deps.logger.info({ person: person.telegramId, by: ctx.person.telegramId }, 'membership ended');
    await ctx.reply(ctx.t.removed(person.name));
  });

  c.command('readmit', adminOnly, async (ctx) => {
    const [ref] = tokenize(commandPayload(ctx));
    if (!ref) {
      await ctx.reply(ctx.t.readmitUsage);
      return;
    }
    const person = await requirePerson(ref);
    if (person.role !== 'blocked') {
      await ctx.reply(ctx.t.notRemoved(person.name));
      return;
    }
    await readmitMember(person);
    deps.logger.info({ person: person.telegramId, by: ctx.person.telegramId }, 'let back into the team');
    await ctx.reply(ctx.t.readmitted(person.name));
  });

  c.action(JOIN_DECISION, async (ctx) => {
    // The role is the one read for this press, not the one at the time the request was sent.
    if (!isAdmin(ctx)) {
      await ctx.answerCbQuery(ctx.t.adminOnly).catch(() => undefined);
      return;
    }
    const [, verdict, personId] = ctx.match;
    const approve = verdict === 'ok';
    const r = await decideJoin(personId!, approve, ctx.person._id);
    // A message about several requests keeps the rows of the others.
    const message = ctx.callbackQuery.message;
    const rows = message && 'reply_markup' in message ? (message.reply_markup?.inline_keyboard ?? []) : [];
    const others = rows.filter((row) => !row.some((b) => 'callback_data' in b && b.callback_data.endsWith(`:${personId!}`)));
    await ctx.editMessageReplyMarkup(others.length ? { inline_keyboard: others } : undefined).catch(() => undefined);
    if (r.kind !== 'decided') {
      await ctx.answerCbQuery(ctx.t.joinAlreadyDecided).catch(() => undefined);
      await ctx.reply(ctx.t.joinAlreadyDecided);
      return;
    }
    await ctx.answerCbQuery().catch(() => undefined);
    const p = r.person;
    await ctx.reply(approve ? ctx.t.joinApproved(p.name) : ctx.t.joinDenied(p.name));
    const pt = texts(p.language);
    await sendUnprompted(
      ctx.telegram,
      p.telegramId,
      approve ? `${pt.joinedWelcome}\n\n${pt.welcome(p.name)}` : pt.joinRefused,
      {},
      {
        logger: deps.logger,
        what: 'the decision to the person who asked to join',
      },
    );
  });

  return { composer: c, scenes: [] };
}
