/** Conversation steps several features ask: a task number, a person, channels. */
import { CHANNELS } from '../domain/types.js';
import { UserError } from '../domain/errors.js';
import { listPeople, requirePerson } from '../services/people.js';
import { parseChannels } from '../services/observers.js';
import { requireChangeableTask, requireVisibleTask } from '../services/access.js';
import { listTasksFor, parseTaskNumber } from '../services/tasks.js';
import { isAdmin } from './access.js';
import { viewerOf } from './viewer.js';
import type { Step, Values } from './conversation.js';

export function rows<T>(items: T[], perRow: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += perRow) out.push(items.slice(i, i + perRow));
  return out;
}

/**
 * Asks for a task number, offering the person's latest tasks as buttons. The answer must be a task the person
 * may see (`need: 'see'`) or change (`'change'`); any other is refused as the one-line command refuses it.
 */
export function taskStep(key = 'task', need: 'see' | 'change' = 'see'): Step {
  return {
    key,
    ask: (ctx) => ctx.t.askTaskNumber,
    buttons: async (ctx) => {
      const all = await listTasksFor(ctx.person._id, 12);
      const list = (need === 'change' && !isAdmin(ctx) ? all.filter((x) => x.roles.some((r) => r !== 'observer')) : all).slice(0, 6);
      return rows(
        list.map(({ task }) => ({ text: `#${task.number} ${task.title.slice(0, 24)}`, value: String(task.number) })),
        2,
      );
    },
    parse: async (raw, ctx) => {
      const n = parseTaskNumber(raw);
      const task = need === 'change' ? await requireChangeableTask(n, viewerOf(ctx)) : await requireVisibleTask(n, viewerOf(ctx));
      return String(task.number);
    },
  };
}

/** Asks for a person (@username or id), offering the first people as buttons. */
export function personStep(key = 'person'): Step {
  return {
    key,
    ask: (ctx) => ctx.t.askPerson,
    buttons: async () => {
      const people = await listPeople();
      return rows(
        people.slice(0, 9).map((p) => ({
          text: p.username ? `@${p.username}` : p.name,
          value: p.username ? `@${p.username}` : String(p.telegramId),
        })),
        3,
      );
    },
    parse: async (raw) => {
      const p = await requirePerson(raw);
      return p.username ? `@${p.username}` : String(p.telegramId);
    },
  };
}

export function channelsStep(key = 'channels'): Step {
  return {
    key,
    ask: (ctx) => ctx.t.askChannels,
    buttons: (ctx) => [
      CHANNELS.map((c) => ({ text: ctx.t.channel(c), value: c })),
      [
        { text: `${ctx.t.channel('email')} + ${ctx.t.channel('sms')}`, value: 'email sms' },
        { text: ctx.t.allChannels, value: CHANNELS.join(' ') },
      ],
    ],
    parse: (raw) => {
      const list = parseChannels(raw);
      if (!list.length) throw new UserError('channels_empty');
      return list.join(' ');
    },
  };
}

/** The first of `steps` whose key is not answered yet. */
export function firstMissing(steps: Step[], values: Values): Step | undefined {
  return steps.find((s) => values[s.key] === undefined);
}
