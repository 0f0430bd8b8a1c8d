/** Plain domain types shared by every part; no I/O here. */

export const CHANNELS = ['email', 'sms', 'telegram'] as const;
export type Channel = (typeof CHANNELS)[number];
/** The channels a person hears about the tasks they author or are assigned to, until they choose others. */
export const DEFAULT_PARTICIPANT_CHANNELS: readonly Channel[] = ['email'];

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

/** Fields a notification or a task card names: the editable ones and those changed otherwise. */
export const LABELLED_FIELDS = [...EDITABLE_FIELDS, 'author', 'observers', 'comment'] as const;
export type LabelledField = (typeof LABELLED_FIELDS)[number];

/** How a person takes part in a task. */
export const TASK_ROLES = ['author', 'assignee', 'observer'] as const;
export type TaskRole = (typeof TASK_ROLES)[number];

export const SMS_PROVIDERS = ['smsru', 'smsc', 'smsaero', 'twilio'] as const;
export type SmsProviderName = (typeof SMS_PROVIDERS)[number];

/**
 * Why a delivery failed, as far as an admin can act on it: the gateway refused the login (`auth`), has no
 * money (`balance`), refuses the sender name (`sender`), the person's address is bad (`address`), the
 * channel is not set up (`config`), the account's own sending limit is reached (`limit`), the message could
 * not be composed from its template (`render`), its task, person or change is gone (`gone`), or anything
 * else. People read a failure by its cause (src/i18n/failures.ts); the provider's own words only admins.
 */
export type FailureCause = 'auth' | 'balance' | 'sender' | 'address' | 'config' | 'limit' | 'render' | 'gone' | 'other';

/** Quiet hours as local wall-clock times `HH:MM`; `start > end` spans midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

/** Whether a person's Telegram id is a real account (people an admin added without Telegram have one below zero). */
export function isTelegramAccount(telegramId: number): boolean {
  return telegramId > 0;
}
