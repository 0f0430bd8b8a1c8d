/** The command list: what /help shows and what setMyCommands registers, per role and language. */
import type { BotCommand } from 'telegraf/types';
import type { Texts } from './i18n/index.js';

export const USER_COMMANDS = [
  'start',
  'help',
  'me',
  'email',
  'phone',
  'tz',
  'quiet',
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
  'queue',
  'dry',
  // membership
  'invite',
  'members',
  'remove',
  // issue 12
  'api',
  'person',
] as const;

export function botCommands(t: Texts, admin: boolean): BotCommand[] {
  const names: string[] = [...USER_COMMANDS, ...(admin ? ADMIN_COMMANDS.filter((c) => c !== 'dry') : [])];
  return names.map((command) => ({ command, description: (t.commands[command]?.desc ?? command).slice(0, 256) }));
}

export function helpText(t: Texts, admin: boolean): string {
  // One line per command, headed by an example of it.
  const line = (name: string) => {
    const c = t.commands[name]!;
    return `${c.example} — ${c.desc}`;
  };
  const parts = [t.helpTitle, ...USER_COMMANDS.map(line)];
  if (admin) parts.push('', t.helpAdminTitle, ...ADMIN_COMMANDS.map(line));
  return parts.join('\n');
}
