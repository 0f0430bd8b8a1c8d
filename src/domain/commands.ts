/** The bot's commands by name: what /help lists and setMyCommands registers, and the keys of their texts. */

export const USER_COMMANDS = [
  'start',
  'help',
  'me',
  'email',
  'phone',
  'confirm',
  'tz',
  'quiet',
  'channels',
  'digest',
  'remind',
  'lang',
  'newtask',
  'tasks',
  'task',
  'edit',
  'done',
  'comment',
  'watch',
  'unwatch',
  'observers',
  'people',
  'send',
  'cancel',
] as const;

/** `dry` is `/send dry`: shown in /help, not a command of its own. */
export const ADMIN_COMMANDS = [
  'observe',
  'unobserve',
  'admin',
  'smtp',
  'sms',
  'template',
  'schedule',
  'escalate',
  'queue',
  'dry',
  'invite',
  'members',
  'remove',
  'readmit',
  'api',
  'person',
] as const;

export type CommandName = (typeof USER_COMMANDS)[number] | (typeof ADMIN_COMMANDS)[number];
