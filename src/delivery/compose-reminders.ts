/**
 * The parts of composing that reminders and escalation add (src/delivery/compose.ts uses them): a message of
 * due-date reminders only, and the "👍 Seen" buttons of a Telegram message whose tasks escalate to SMS.
 */
import type { Escalation } from '../domain/escalation.js';
import type { NotificationItem } from '../domain/templates.js';
import type { Channel, Priority } from '../domain/types.js';
import type { OutgoingMessage } from './channels/types.js';

/** Reminder lines as Telegram shows them: each after an alarm clock. */
export function telegramReminders(lines: readonly string[]): string {
  return lines.map((l) => `⏰ ${l}`).join('\n');
}

/** The message of a group that carries reminders and no change: their lines (a letter: subject, text, HTML). */
export function reminderMessage(
  channel: Channel,
  to: string,
  lines: readonly string[],
  email: () => { subject: string; text: string; html: string },
  taskNumber: number | undefined,
): OutgoingMessage {
  switch (channel) {
    case 'email':
      return { channel, to, ...email() };
    case 'sms':
      return { channel, to, text: lines.join('; ') };
    case 'telegram':
      return { channel, to, text: telegramReminders(lines), ...(taskNumber !== undefined ? { taskNumber } : {}) };
  }
}

/** The tasks among `items` whose priority escalates, for their "👍 Seen" buttons (`label`: the recipient's word). */
export function seenButtons(
  items: NotificationItem[],
  label: string,
  escalation: Escalation | undefined,
): Pick<OutgoingMessage, 'seenTasks' | 'seenLabel'> {
  if (!escalation) return {};
  const tasks = [...new Set(items.filter((i) => escalation[i.task.priority as Priority] !== undefined).map((i) => i.task.number))];
  return tasks.length ? { seenTasks: tasks, seenLabel: label } : {};
}
