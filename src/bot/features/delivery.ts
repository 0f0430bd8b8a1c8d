/**
 * «Отправить оповещения»: `/send` (everything) for admins; `/send <n>` also for a member who may change task n
 * (its author or assignee), once per SEND_COOLDOWN_SECONDS, with the contacts in failure reasons hidden.
 * `/send dry [n]` and `/queue` for admins (they show other people's addresses). Failures read by their cause
 * in the asker's language; only admins also get the provider's own words.
 */
import { codeSmsToday } from '../../services/contact-codes.js';
import { Composer } from 'telegraf';
import { RunFailedError, RunTimeoutError, type RunFailure, type RunResult, type RunState } from '../../delivery/port.js';
import { failureText } from '../../i18n/failures.js';
import { scrubContacts } from '../../domain/scrub-contacts.js';
import { scrub } from '../../logger.js';
import { requireChangeableTask } from '../../services/access.js';
import { UserError } from '../../domain/errors.js';
import { parseTaskNumber, requireTask } from '../../services/tasks.js';
import { adminOnly, isAdmin } from '../access.js';
import type { Background } from '../background.js';
import { SharedCooldown } from '../../db/shared-limits.js';
import { databaseSlots } from '../../db/slots.js';
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

/**
 * The failure lines of a run: an admin gets each reason with the provider's words; a member one line per
 * channel and cause (the words, and the addresses in them, stay with the admins).
 */
function failureLines(ctx: BotContext, failed: RunFailure[]): string[] {
  const admin = isAdmin(ctx);
  const lines = new Map<string, { channel: RunFailure['channel']; count: number; text: string }>();
  for (const f of failed) {
    const text = failureText(ctx.t, f, admin);
    const key = `${f.channel}\n${text}`;
    const line = lines.get(key) ?? { channel: f.channel, count: 0, text };
    line.count += f.count;
    lines.set(key, line);
  }
  return [...lines.values()].map((l) => ctx.t.failureLine(ctx.t.channel(l.channel), l.count, l.text));
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
    lines.push(...failureLines(ctx, r.failed));
  }
  return lines.join('\n');
}

/** Whether Telegram refused an edit that changes nothing or whose message is gone: neither is a failure. */
export function isHarmlessEditError(err: unknown): boolean {
  const d = (err as { response?: { description?: unknown } }).response?.description;
  return typeof d === 'string' && /message is not modified|message to edit not found/i.test(d);
}

async function send(ctx: BotContext, deps: BotDeps, background: Background, cooldown: SharedCooldown, taskNumber?: number): Promise<void> {
  if (taskNumber === undefined) {
    if (!isAdmin(ctx)) throw new UserError('send_all_denied');
  } else {
    await requireChangeableTask(taskNumber, viewerOf(ctx));
  }
  if (!isAdmin(ctx)) {
    const waitMs = await cooldown.take(ctx.person.telegramId);
    if (waitMs > 0) throw new UserError('send_cooldown', { seconds: Math.ceil(waitMs / 1000), every: deps.config.SEND_COOLDOWN_SECONDS });
  }
  const status = await ctx.reply(ctx.t.sending);
  const edit = async (text: string) => {
    try {
      await ctx.telegram.editMessageText(status.chat.id, status.message_id, undefined, clip(text));
    } catch (err) {
      if (!isHarmlessEditError(err)) throw err;
    }
  };
  // A run slower than the service's patience: the "sending…" message says it goes on (or that no worker
  // took it), and the result comes later as a message of its own, so that the person is notified of it.
  let slow = false;
  const onSlow = async (state: RunState) => {
    slow = true;
    await edit(state === 'running' ? ctx.t.sendContinues : ctx.t.sendNoWorker);
  };
  const run = deps.delivery.sendNow({ ...(taskNumber !== undefined ? { taskNumber } : {}), requestedBy: ctx.person.telegramId, onSlow });
  // The run may take minutes: the handler returns now (telegraf serves the next update), and the result
  // is edited into the "sending…" message when it comes.
  background.run('editing the /send result', async () => {
    let text: string;
    try {
      text = formatRun(ctx, await run);
    } catch (err) {
      deps.logger.error({ err, taskNumber }, '/send failed');
      text = runErrorText(ctx, err);
    }
    if (slow) await ctx.telegram.sendMessage(status.chat.id, clip(text));
    else await edit(text);
  });
}

/** What a person reads when /send's run gave no result. */
function runErrorText(ctx: BotContext, err: unknown): string {
  const words = readable(ctx, scrub((err as Error).message ?? String(err)));
  if (err instanceof RunTimeoutError) return err.state === 'running' ? ctx.t.sendStillRunning : ctx.t.sendNoWorker;
  if (err instanceof RunFailedError) return ctx.t.sendRunFailed + (isAdmin(ctx) ? ctx.t.failureAnswer(words) : '');
  return ctx.t.sendError(words);
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
  // One cooldown for the deployment: two bot processes (webhook behind a balancer) do not double it.
  const cooldown = new SharedCooldown('sendcd', deps.config.SEND_COOLDOWN_SECONDS * 1000, databaseSlots, deps.now);

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
    if (q.escalation || q.savedByEscalation) lines.push(t.queueEscalation(q.escalation ?? 0, q.savedByEscalation ?? 0));
    // Confirmation codes go outside the queue, but cost like any SMS.
    const codes = await codeSmsToday(deps.config);
    if (codes.sent > 0 || codes.limit === 0) lines.push(t.queueCodeSms(codes.sent, codes.limit));
    if (q.recentFailures.length) {
      // Admins only: the provider's words are shown in full, after the cause in the admin's language.
      lines.push(
        t.queueFailures,
        ...q.recentFailures.map((f) =>
          f.channel
            ? t.failureLine(t.channel(f.channel), f.count, failureText(t, { channel: f.channel, cause: f.cause, detail: f.reason }, true))
            : `• ×${f.count}: ${f.reason}`,
        ),
      );
    }
    await ctx.reply(clip(lines.join('\n')));
  });

  return { composer: c, scenes: [] };
}
