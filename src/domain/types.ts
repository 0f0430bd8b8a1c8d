/** Plain domain types shared by every part; no I/O here. */

export const CHANNELS = ['email', 'sms', 'telegram'] as const;
export type Channel = (typeof CHANNELS)[number];

export const LANGUAGES = ['ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * What a person may do: `admin` (ADMIN_IDS and those promoted) and `member` use the bot; `pending` asked to
 * join and waits for an admin; `blocked` was removed or refused. Only admins and members get anything.
 */
export const ROLES = ['admin', 'member', 'pending', 'blocked'] as const;
export type Role = (typeof ROLES)[number];

/** Whether a person with `role` may use the bot and hear about tasks (admins and members). */
export function isMemberRole(role: string | null | undefined): boolean {
  return role === 'admin' || role === 'member';
}

/** Who may join by themselves: `request` (ask, an admin decides), `invite` (links only), `open` (anyone). */
export const REGISTRATION_MODES = ['request', 'invite', 'open'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

export const TASK_STATUSES = ['new', 'in_progress', 'review', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Fields of a task that `/edit` may change. */
export const EDITABLE_FIELDS = ['title', 'description', 'status', 'priority', 'due', 'assignee', 'private'] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';

export const SMS_PROVIDERS = ['smsru', 'smsc', 'smsaero', 'twilio'] as const;
export type SmsProviderName = (typeof SMS_PROVIDERS)[number];

/** Quiet hours as local wall-clock times `HH:MM`; `start > end` spans midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

/** One field of one edit: values are shown to people, so they are kept as display strings. */
export interface FieldChange {
  field: string;
  from: string;
  to: string;
}
