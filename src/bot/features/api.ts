/**
 * Admins: `/api new|list|revoke` (tokens of the HTTP API) and `/person add|invite` (people without
 * Telegram). Non-members never get here (the gate); each command checks that the asker is an admin.
 */
import { Composer } from 'telegraf';
import { createApiToken, listApiTokens, revokeApiToken } from '../../services/api-tokens.js';
import { createOfflinePerson, invitePerson } from '../../services/offline-people.js';
import { personRef, requirePerson } from '../../services/people.js';
import type { Language } from '../../domain/types.js';
import { adminOnly } from '../access.js';
import { commandPayload, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import type { Feature } from '../feature.js';
import { clip, dateTime } from '../format.js';
import { apiTexts } from '../../i18n/api-texts.js';

export function apiFeature(deps: BotDeps): Feature {
  const c = new Composer<BotContext>();

  c.command('api', adminOnly, async (ctx) => {
    const t = apiTexts(ctx.person.language);
    const [verb, name, scope, ...rest] = tokenize(commandPayload(ctx));
    switch (verb?.toLowerCase()) {
      case 'new': {
        if (!name || rest.length) return void (await ctx.reply(t.apiUsage));
        const r = await createApiToken(name, scope, ctx.person._id);
        if (!r.ok) {
          const reply =
            r.reason === 'name_invalid' ? t.apiNameInvalid : r.reason === 'scope_invalid' ? t.apiScopeInvalid : t.apiNameTaken(name);
          return void (await ctx.reply(reply));
        }
        deps.logger.info({ token: r.name, scope: r.scope, by: ctx.person.telegramId }, 'API token made');
        await ctx.reply(t.apiMade(r.name, r.scope, r.token));
        return;
      }
      case 'list': {
        const list = await listApiTokens();
        if (!list.length) return void (await ctx.reply(t.apiListNone));
        const lines = list.map((x) =>
          t.apiListLine(
            x.name,
            x.scope,
            x.createdByName,
            x.lastUsedAt ? t.apiUsedAt(dateTime(x.lastUsedAt.toISOString(), ctx.person.timezone)) : t.apiNeverUsed,
          ),
        );
        await ctx.reply(clip([t.apiListTitle, ...lines].join('\n')));
        return;
      }
      case 'revoke': {
        if (!name) return void (await ctx.reply(t.apiUsage));
        const ok = await revokeApiToken(name);
        if (ok) deps.logger.info({ token: name, by: ctx.person.telegramId }, 'API token revoked');
        await ctx.reply(ok ? t.apiRevoked(name) : t.apiNotFound(name));
        return;
      }
      default:
        await ctx.reply(t.apiUsage);
    }
  });

  c.command('person', adminOnly, async (ctx) => {
    const t = apiTexts(ctx.person.language);
    const [verb, ...words] = tokenize(commandPayload(ctx));
    switch (verb?.toLowerCase()) {
      case 'add': {
        const [name, ...pairs] = words;
        if (!name) return void (await ctx.reply(t.personUsage));
        const opts: Record<string, string> = {};
        for (const w of pairs) {
          const m = /^(email|e-mail|phone|tz|lang)=(.+)$/i.exec(w);
          if (!m) return void (await ctx.reply(t.personArgInvalid(w)));
          opts[m[1]!.toLowerCase().replace('e-mail', 'email')] = m[2]!;
        }
        const p = await createOfflinePerson({
          name,
          ...(opts.email !== undefined ? { email: opts.email } : {}),
          ...(opts.phone !== undefined ? { phone: opts.phone } : {}),
          timezone: opts.tz ?? deps.config.DEFAULT_TIMEZONE,
          language: (opts.lang ?? deps.config.DEFAULT_LANGUAGE) as Language,
        });
        deps.logger.info({ person: String(p._id), by: ctx.person.telegramId }, 'person without Telegram added');
        await ctx.reply(t.personAdded(p.name, personRef(p), [p.email, p.phone].filter(Boolean).join(', ')));
        return;
      }
      case 'invite': {
        if (words.length !== 1) return void (await ctx.reply(t.personUsage));
        const p = await requirePerson(words[0]!);
        const invite = await invitePerson(p, ctx.person._id);
        deps.logger.info({ invite: invite.number, person: String(p._id), by: ctx.person.telegramId }, 'invite link made for a person');
        const link = `https://t.me/${ctx.botInfo.username}?start=${invite.code}`;
        await ctx.reply(t.personInvite(p.name, link, dateTime(invite.expiresAt.toISOString(), ctx.person.timezone)));
        return;
      }
      default:
        await ctx.reply(t.personUsage);
    }
  });

  return { composer: c, scenes: [] };
}
