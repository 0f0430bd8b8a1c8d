/**
 * Escalation of urgent changes: for a task of a priority the admin chose (`/escalate high 15`), a person who
 * hears of its changes by Telegram and SMS gets the Telegram message first, and the SMS only if they have
 * not seen the task within the minutes. Pure: no I/O.
 */
import { PRIORITIES, type Priority } from './types.js';
import { parsePriority } from './task-values.js';

/** Minutes an SMS may wait for the person to see the task. */
export const ESCALATION_MINUTES = { min: 1, max: 1440 } as const;

/** Minutes per priority; a priority absent does not escalate. */
export type Escalation = Partial<Record<Priority, number>>;

/** The stored escalation, only valid entries. */
export function escalationOf(stored: Partial<Record<string, unknown>> | null | undefined): Escalation {
  const out: Escalation = {};
  for (const p of PRIORITIES) {
    const v = stored?.[p];
    if (typeof v === 'number' && Number.isInteger(v) && v >= ESCALATION_MINUTES.min && v <= ESCALATION_MINUTES.max) out[p] = v;
  }
  return out;
}

/**
 * What follows `/escalate <priority> <minutes|off>`: the priority and its minutes (null: off). Undefined when
 * the priority is unknown, the minutes are not a whole number within {@link ESCALATION_MINUTES}, or words are
 * missing or extra.
 */
export function parseEscalate(words: readonly string[]): { priority: Priority; minutes: number | null } | undefined {
  if (words.length !== 2) return undefined;
  let priority: Priority;
  try {
    priority = parsePriority(words[0]!);
  } catch {
    return undefined;
  }
  const v = words[1]!.trim().toLowerCase();
  if (v === 'off' || v === 'выкл' || v === 'нет') return { priority, minutes: null };
  if (!/^\d{1,4}$/.test(v)) return undefined;
  const minutes = Number(v);
  if (minutes < ESCALATION_MINUTES.min || minutes > ESCALATION_MINUTES.max) return undefined;
  return { priority, minutes };
}
