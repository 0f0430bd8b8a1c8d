/**
 * «Отправить оповещения»: `/send` (everything) for admins; `/send <n>` also for a member who may change task n
 * (its author or assignee), once per SEND_COOLDOWN_SECONDS, with the contacts in failure reasons hidden.
 * `/send dry [n]` and `/queue` for admins (they show other people's addresses).
 */
import { Composer } from 'telegraf';
import type { RunResult } from '../../delivery/port.js';
import { scrubContacts } from '../../domain/scrub-contacts.js';
import { scrub } from '../../logger.js';
import { requireChangeableTask } from '../../services/access.js';
import { UserError } from '../../domain/errors.js';
import { parseTaskNumber, requireTask } from '../../services/tasks.js';
import { adminOnly, isAdmin } from '../access.js';
import type { Background } from '../background.js';
import { createCooldown, type Cooldown } from '../cooldown.js';
import { viewerOf } from '../viewer.js';
import { commandPayload, tokenize } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import type { Feature } from '../feature.js';
import { clip, dateTime } from '../format.js';

const DRY_LINES = 40;

/** What the asker may read of a failure reason: everything for admins; members see no address. */
function readable(ctx: BotContext, reason: string): string {
  return isAdmin(ctx) ? reason : scrubContacts(reason);
}

function formatRun(ctx: BotContext, r: RunResult): string {
  const t = ctx.t;
  const total = r.sent.email + r.sent.sms + r.sent.telegram;
  const failed = r.failed.reduce((n, f) => n + f.count, 0);
  if (total === 0 && failed === 0 && r.retrying === 0 && r.held === 0 && !r.digest) return t.sendNothing;
  const lines = [
    t.sendResult({
      email: r.sent.email,
      sms: r.sent.sms,
      telegram: r.sent.telegram,
      retrying: r.retrying,
      held: r.held,
      ...(r.digest ? { digest: r.digest } : {}),
      ...(r.taskNumber !== undefined ? { task: r.taskNumber } : {}),
    }),
  ];
  if (failed) {
    lines.push(t.sendFailedTitle(failed));
    for (const f of r.failed) lines.push(t.failureLine(t.channel(f.channel), f.count, readable(ctx, f.reason)));
  }
  return lines.join('\n');
}

/** Whether Telegram refused an edit that changes nothing or whose message is gone: neither is a failure. */
export function isHarmlessEditError(err: unknown): boolean {
  const d = (err as { response?: { description?: unknown } }).response?.description;
  return typeof d === 'string' && /message is not modified|message to edit not found/i.test(d);
}

async function send(ctx: BotContext, deps: BotDeps, background: Background, cooldown: Cooldown, taskNumber?: number): Promise<void> {
  if (taskNumber === undefined) {
    if (!isAdmin(ctx)) throw new UserError('send_all_denied');
  } else {
    await requireChangeableTask(taskNumber, viewerOf(ctx));
  }
  if (!isAdmin(ctx)) {
    const waitMs = cooldown.take(ctx.person.telegramId);
    if (waitMs > 0) throw new UserError('send_cooldown', { seconds: Math.ceil(waitMs / 1000), every: deps.config.SEND_COOLDOWN_SECONDS });
  }
  const status = await ctx.reply(ctx.t.sending);
  const run = deps.delivery.sendNow({ ...(taskNumber !== undefined ? { taskNumber } : {}), requestedBy: ctx.person.telegramId });
  // The run may take minutes: the handler returns now (telegraf serves the next update), and the result
  // is edited into the "sending…" message when it comes.
  background.run('editing the /send result', async () => {
    let text: string;
    try {
      text = formatRun(ctx, await run);
    } catch (err) {
      deps.logger.error({ err, taskNumber }, '/send failed');
      text = ctx.t.sendError(readable(ctx, scrub((err as Error).message ?? String(err))));
    }
    try {
      await ctx.telegram.editMessageText(status.chat.id, status.message_id, undefined, clip(text));
    } catch (err) {
      if (!isHarmlessEditError(err)) throw err;
    }
  });
}

async function dry(ctx: BotContext, deps: BotDeps, taskNumber?: number): Promise<void> {
  if (taskNumber !== undefined) await requireTask(taskNumber);
  const t = ctx.t;
  const lines = await deps.delivery.dryRun(taskNumber !== undefined ? { taskNumber } : {});
  if (!lines.length) {
    await ctx.reply(t.dryEmpty);
    return;
  }
  const out = [t.dryTitle(lines.length)];
  for (const l of lines.slice(0, DRY_LINES)) {
    const extra =
      (l.smsParts !== undefined ? t.drySms(l.smsParts, l.smsEncoding ?? '') : '') +
      (l.fallback ? t.dryFallback(t.channel(l.fallback)) : '') +
      (l.heldUntil ? t.dryHeld(dateTime(l.heldUntil, ctx.person.timezone)) : '');
    out.push(t.dryLine(l.taskNumber, l.personName, t.channel(l.channel), l.address, extra));
  }
  if (lines.length > DRY_LINES) out.push(`… +${lines.length - DRY_LINES}`);
  await ctx.reply(clip(out.join('\n')));
}

export function deliveryFeature(deps: BotDeps, background: Background): Feature {
  const c = new Composer<BotContext>();
  const cooldown = createCooldown(deps.config.SEND_COOLDOWN_SECONDS * 1000);

  c.command('send', async (ctx) => {
    const [first, second] = tokenize(commandPayload(ctx));
    if (first?.toLowerCase() === 'dry') {
      if (!isAdmin(ctx)) return adminOnly(ctx, () => Promise.resolve());
      return dry(ctx, deps, second !== undefined ? parseTaskNumber(second) : undefined);
    }
    return send(ctx, deps, background, cooldown, first !== undefined ? parseTaskNumber(first) : undefined);
  });

  c.command('queue', adminOnly, async (ctx) => {
    const t = ctx.t;
    const zone = ctx.person.timezone;
    const q = await deps.delivery.queue();
    const lines = [
      t.queueShow(q),
      q.lastRun ? t.queueLastRun(dateTime(q.lastRun.finishedAt, zone), q.lastRun.trigger, q.lastRun.sent, q.lastRun.failed) : t.queueNoRun,
      t.queueNextRun(q.nextRun ? dateTime(q.nextRun, zone) : undefined),
    ];
    if (q.recentFailures.length) {
      lines.push(t.queueFailures, ...q.recentFailures.map((f) => `• ×${f.count}: ${f.reason}`));
    }
    await ctx.reply(clip(lines.join('\n')));
  });

  return { composer: c, scenes: [] };
}
