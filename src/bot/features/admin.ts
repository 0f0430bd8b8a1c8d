/** People and roles: /people (names for members; contacts for admins only), /admin (promote, demote). */
import { UserError } from '../../domain/errors.js';
import { Composer } from 'telegraf';
import { listAdmins, listPeople, requirePerson, setRole } from '../../services/people.js';
import { isOff } from '../../domain/off-words.js';
import { adminOnly, isAdmin } from '../access.js';
import { commandPayload, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import type { Feature } from '../feature.js';
import { clip } from '../format.js';
import type { PersonDoc } from '../../db/models/index.js';

export interface AdminFeatureOptions {
  /** Called after someone's role changed, to update their command menu (failures are the callee's). */
  onRoleChanged?: (person: PersonDoc) => Promise<void>;
}

export function adminFeature(deps: BotDeps, opts: AdminFeatureOptions = {}): Feature {
  const c = new Composer<BotContext>();

  c.command('people', async (ctx) => {
    const t = ctx.t;
    const full = isAdmin(ctx);
    const people = await listPeople();
    // A member gets names and @usernames only: even a masked address tells whom a letter or an SMS reaches.
    const lines = people.map((p) =>
      full
        ? t.personLine(p.name, p.username ?? undefined, p.role === 'admin', p.email ?? t.none, p.phone ?? t.none)
        : t.personNameLine(p.name, p.username ?? undefined, p.role === 'admin'),
    );
    const text = [t.peopleTitle, ...lines, ...(full ? ['', t.peopleAdminHint] : [])].join('\n');
    await ctx.reply(clip(text));
  });

  c.command('admin', adminOnly, async (ctx) => {
    const [ref, flag] = tokenize(commandPayload(ctx));
    if (!ref) {
      const admins = await listAdmins();
      const lines = admins.map((a) => `• ${a.name}${a.username ? ` @${a.username}` : ''}`);
      await ctx.reply([ctx.t.adminsTitle, ...lines, '', ctx.t.adminUsage].join('\n'));
      return;
    }
    const person = await requirePerson(ref);
    const demote = flag !== undefined && isOff(flag);
    const role = demote ? 'member' : 'admin';
    if (demote ? person.role !== 'admin' : person.role === 'admin') {
      await ctx.reply(demote ? ctx.t.notAdmin(person.name) : ctx.t.alreadyAdmin(person.name));
      return;
    }
    if (demote && deps.config.ADMIN_IDS.includes(person.telegramId)) {
      // registerPerson would make them admin again at their next message.
      await ctx.reply(ctx.t.adminFromConfig(person.name));
      return;
    }
    const self = String(person._id) === String(ctx.person._id);
    const updated = await setRole(person._id, role).catch((err: unknown) => {
      // Only an admin demotes, so the last admin demoted is the one asking: told as "you".
      if (err instanceof UserError && err.code === 'last_admin' && self) throw new UserError('last_admin', { ...err.params, self: 1 });
      throw err;
    });
    await opts.onRoleChanged?.(updated);
    await ctx.reply(demote ? ctx.t.demoted(updated.name) : ctx.t.promoted(updated.name));
  });

  return { composer: c, scenes: [] };
}
