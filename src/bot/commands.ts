/** The command list: what /help shows and what setMyCommands registers, per role and language. */
import type { BotCommand } from 'telegraf/types';
import type { Texts } from '../i18n/index.js';
import { ADMIN_COMMANDS, USER_COMMANDS, type CommandName } from '../domain/commands.js';

export { ADMIN_COMMANDS, USER_COMMANDS };

export function botCommands(t: Texts, admin: boolean): BotCommand[] {
  const names: CommandName[] = [...USER_COMMANDS, ...(admin ? ADMIN_COMMANDS.filter((c) => c !== 'dry') : [])];
  return names.map((command) => ({ command, description: t.commands[command].desc.slice(0, 256) }));
}

export function helpText(t: Texts, admin: boolean): string {
  // One line per command, headed by an example of it.
  const line = (name: CommandName) => {
    const c = t.commands[name];
    return `${c.example} — ${c.desc}`;
  };
  const parts = [t.helpTitle, ...USER_COMMANDS.map(line)];
  if (admin) parts.push('', t.helpAdminTitle, ...ADMIN_COMMANDS.map(line));
  return parts.join('\n');
}
