/** Automatic dispatch (admin): `/schedule every 5 min | <cron> | off`. */
import { Composer } from 'telegraf';
import { getSchedule, parseSchedule, saveSchedule, type Schedule } from '../../services/settings.js';
import { adminOnly } from '../access.js';
import { commandPayload } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import { conversation, seenVersion, startConversation, type Step } from '../conversation.js';
import { UserError } from '../../domain/errors.js';
import type { Feature } from '../feature.js';
import type { Texts } from '../../i18n/index.js';
import { firstMissing } from '../steps.js';

export function describeSchedule(t: Texts, s: Schedule): string {
  return s.kind === 'interval' ? t.scheduleEvery(s.everyMinutes) : s.kind === 'cron' ? t.scheduleCron(s.cron) : t.scheduleOff;
}

async function apply(ctx: BotContext, deps: BotDeps, raw: string, expectedVersion?: number): Promise<void> {
  const schedule = parseSchedule(raw);
  try {
    await saveSchedule(schedule, { expectedVersion });
  } catch (err) {
    if (!(err instanceof UserError) || err.code !== 'settings_conflict') throw err;
    await ctx.reply(`${ctx.t.settingsConflict}\n${ctx.t.scheduleShow(describeSchedule(ctx.t, await getSchedule()))}`);
    return;
  }
  const lines = [ctx.t.scheduleSaved(describeSchedule(ctx.t, schedule))];
  try {
    await deps.delivery.scheduleChanged();
  } catch (err) {
    deps.logger.warn({ err }, 'the new schedule could not be applied');
    lines.push(ctx.t.scheduleNotApplied);
  }
  await ctx.reply(lines.join('\n'));
}

export function scheduleFeature(deps: BotDeps): Feature {
  const c = new Composer<BotContext>();
  const step: Step = {
    key: 'schedule',
    ask: async (ctx) => `${ctx.t.scheduleShow(describeSchedule(ctx.t, await getSchedule()))}\n${ctx.t.askSchedule}`,
    buttons: (ctx) => [
      [1, 5, 15, 60].map((n) => ({ text: ctx.t.scheduleEvery(n), value: `every ${n} min` })),
      [{ text: ctx.t.scheduleOff, value: 'off' }],
    ],
    parse: (raw) => {
      parseSchedule(raw);
      return raw.trim();
    },
  };
  const scene = conversation(
    {
      id: 'conv:schedule',
      admin: true,
      versioned: true,
      next: (v) => firstMissing([step], v),
      finish: (ctx, v) => apply(ctx, deps, v.schedule!, seenVersion(v)),
    },
    deps.secrets,
  );

  c.command('schedule', adminOnly, async (ctx) => {
    const payload = commandPayload(ctx);
    return payload ? apply(ctx, deps, payload) : startConversation(ctx, 'conv:schedule');
  });

  return { composer: c, scenes: [scene] };
}
