/**
 * One Telegram budget per bot token for the whole deployment: the bot's replies and every worker's
 * notifications draw on the same ~30 messages a second (Telegram counts per token, not per process).
 *
 * Time is cut into send slots of 1/`perSecond` s; a message takes the next free slot (a unique insert,
 * src/db/slots.ts) and goes out at its time, so the whole deployment sends at most one message per slot:
 * 30 in any second, with no burst to trip Telegram's limit. Replies come first: one slot in every
 * `replyEvery` is theirs alone (5 a second by default), so a person's command is answered within a fraction
 * of a second however large the fan-out. Notifications also keep one message a second per chat (a slot per
 * chat and second). After a 429 the slots up to Telegram's `retry_after` are filled, so no process of the
 * deployment sends before it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import type { SlotStore } from '../db/slots.js';

/** Who is waiting: a reply to a person (first) or a notification. */
export type Lane = 'reply' | 'notification';

export interface BudgetOptions {
  /** Messages a second for the token, all processes together. @defaultValue 30 */
  perSecond?: number;
  /** One slot in this many is kept for replies; 0 keeps none. @defaultValue 6 (5 of 30 a second) */
  replyEvery?: number;
  /** Least time between two notifications to one chat, in ms; 0 for none. @defaultValue 1000 */
  perChatMs?: number;
  /** Longest stretch of slots a 429 fills for the other processes, in ms (this process holds for the whole wait). @defaultValue 30_000 */
  maxFillMs?: number;
}

/** The wait a message would have (ms) is longer than its caller allows; nothing was sent. */
export class TelegramWaitError extends Error {
  override readonly name = 'TelegramWaitError';
  constructor(
    /** How long until the message could go, in ms. */
    readonly waitMs: number,
    /** Telegram's own answer, when the wait is its `retry_after`. */
    readonly telegramDescription?: string,
  ) {
    super(`Telegram asks the bot to wait ${Math.ceil(waitMs / 1000)} s${telegramDescription ? ` (${telegramDescription})` : ''}`);
  }
}

/** Times a message woken too late takes a new slot before it goes anyway. */
const MAX_LATE_RETAKES = 3;

export class TelegramBudget {
  private readonly perSecond: number;
  private readonly replyEvery: number;
  private readonly perChatMs: number;
  private readonly maxFillMs: number;
  /** This process's guess of the next free slot per lane (others may have taken some meanwhile). */
  private readonly cursor: Record<Lane, number> = { reply: 0, notification: 0 };
  private holdUntil = 0;
  /** How late past its slot a message may still go (four slots: within the headroom the reply lane leaves). */
  private readonly lateMs: number;

  /**
   * @param key the slot namespace: {@link budgetKey} of the token
   * @param store where the slots live: the database for a deployment, memory for a process alone
   */
  constructor(
    private readonly key: string,
    private readonly store: SlotStore,
    opts: BudgetOptions = {},
  ) {
    this.perSecond = Math.max(1, opts.perSecond ?? 30);
    this.replyEvery = Math.max(0, Math.floor(opts.replyEvery ?? 6));
    this.perChatMs = Math.max(0, opts.perChatMs ?? 1000);
    this.maxFillMs = Math.max(0, opts.maxFillMs ?? 30_000);
    this.lateMs = Math.ceil((4 * 1000) / this.perSecond);
  }

  private slotAt(t: number): number {
    return Math.ceil((t * this.perSecond) / 1000);
  }
  private timeOf(slot: number): number {
    return Math.ceil((slot * 1000) / this.perSecond);
  }
  private reserved(slot: number): boolean {
    return this.replyEvery > 1 && slot % this.replyEvery === 0;
  }

  /**
   * Resolves when a message to `chat` may go out. Throws {@link TelegramWaitError} (having sent nothing) when
   * that would be more than `maxWaitMs` from now.
   */
  async turn(chat: string | undefined, lane: Lane, maxWaitMs: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (this.holdUntil - now > maxWaitMs) throw new TelegramWaitError(this.holdUntil - now);
      let earliest = Math.max(now, this.holdUntil);
      if (lane === 'notification' && chat !== undefined && this.perChatMs > 0) earliest = await this.chatTurn(chat, earliest);
      for (let late = 0; ; late++) {
        const slot = await this.takeSlot(lane, Math.max(earliest, Date.now()));
        const wait = this.timeOf(slot) - Date.now();
        if (wait > maxWaitMs) throw new TelegramWaitError(wait);
        if (wait > 0) await sleep(wait);
        // Woken late (a busy event loop, a slow slot insert): sent now, it would go in a burst with the
        // messages whose slots come next, past Telegram's window. It takes a new slot instead (a few times).
        if (Date.now() - this.timeOf(slot) <= this.lateMs || late >= MAX_LATE_RETAKES) break;
      }
      // A 429 that came while this message waited holds it too: it takes a slot after the hold.
      if (this.holdUntil <= Date.now()) return;
    }
  }

  /** Takes the first free slot of `lane` at or after `earliest` (unique insert), and moves the lane's cursor past it. */
  private async takeSlot(lane: Lane, earliest: number): Promise<number> {
    let slot = Math.max(this.slotAt(earliest), this.cursor[lane]);
    for (;;) {
      if (lane === 'notification' && this.reserved(slot)) slot++;
      else if (await this.store.take(`tg:${this.key}:${slot}`, this.timeOf(slot) + 1000)) break;
      else slot++;
    }
    this.cursor[lane] = slot + 1;
    return slot;
  }

  /**
   * The earliest time, not before `earliest`, a notification may go to `chat`: `perChatMs` after the one
   * before it. A chat's windows of `perChatMs` hold one message each (a slot whose `until` is when the next
   * may go); a message looks at the window before its own, so two in neighbouring windows stay apart too.
   */
  private async chatTurn(chat: string, earliest: number): Promise<number> {
    const id = (w: number) => `tgc:${this.key}:${chat}:${w}`;
    for (;;) {
      const w = Math.floor(earliest / this.perChatMs);
      const before = await this.store.until(id(w - 1));
      if (before !== undefined && before > earliest) {
        earliest = before;
        continue;
      }
      if (await this.store.take(id(w), earliest + this.perChatMs)) return earliest;
      earliest = Math.max(earliest + 1, (await this.store.until(id(w))) ?? (w + 1) * this.perChatMs);
    }
  }

  /**
   * Telegram answered 429 with `retry_after`: nothing of this process goes out before `until`, and the
   * slots up to it (at most {@link BudgetOptions.maxFillMs} ahead) are taken, so no other process sends either.
   */
  async hold(until: number): Promise<void> {
    this.holdUntil = Math.max(this.holdUntil, until);
    const from = this.slotAt(Date.now());
    const to = this.slotAt(Math.min(until, Date.now() + this.maxFillMs));
    const ids: string[] = [];
    for (let s = from; s < to; s++) ids.push(`tg:${this.key}:${s}`);
    await this.store.fill(ids, until + 1000);
  }
}

/** The slot namespace of a bot token: a hash, so neither the token nor a part of it is ever stored. */
export function budgetKey(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}
