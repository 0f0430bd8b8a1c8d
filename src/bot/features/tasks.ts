/** Tasks: /newtask, /tasks, /task, /edit, /done, /comment. */
import { Composer, Markup } from 'telegraf';
import { EDITABLE_FIELDS, PRIORITIES, TASK_STATUSES } from '../../domain/types.js';
import { decodeEdit, encodeEdit, peopleNamedIn, type EditChange, type FieldChange, type TaskEdit } from '../../domain/task-edits.js';
import { getObserver } from '../../services/observers.js';
import { markSeen } from '../../services/reminders.js';
import {
  addComment,
  createTask,
  editTask,
  formatDue,
  getTaskDetails,
  listTasksFor,
  parseField,
  parseTaskNumber,
  personNames,
  readEdit,
  taskToChange,
  taskToSee,
  type TaskAccess,
} from '../../services/tasks.js';
import { commandPayload, splitFirst } from '../args.js';
import type { BotContext, BotDeps } from '../context.js';
import { conversation, startConversation, type Step } from '../conversation.js';
import type { Feature } from '../feature.js';
import { channelList, clip, dateTime } from '../format.js';
import type { Texts } from '../../i18n/index.js';
import { taskButtons } from '../keyboards.js';
import { firstMissing, rows, taskStep } from '../steps.js';
import { viewerOf } from '../viewer.js';
import { canChange } from '../../domain/access.js';
import { callbackData, callbackPattern } from '../../domain/callback-data.js';

/**
 * One side of a field change as the bot shows it to a person in `zone`: keys in their words, a date in their
 * zone, a person by name; '' for none (the texts show "—").
 */
function shownValue(t: Texts, c: EditChange, side: 'from' | 'to', zone: string, names: ReadonlyMap<string, string>): string {
  switch (c.field) {
    case 'status':
      return t.status[c[side]] ?? c[side];
    case 'priority':
      return t.priority[c[side]] ?? c[side];
    case 'private':
      return c[side] ? t.on : t.off;
    case 'due': {
      const due = c[side];
      return due ? formatDue(due, zone) : '';
    }
    case 'assignee': {
      const id = c[side];
      return id === null ? '' : (names.get(id) ?? '?');
    }
    case 'title':
    case 'description':
      return c[side] ?? '';
  }
}

/** A change as the bot lists it under a task. */
function changeText(t: Texts, c: FieldChange, zone: string, names: ReadonlyMap<string, string>): string {
  if (c.field === 'comment') return t.changeComment(c.to);
  return t.changeField(t.field[c.field] ?? c.field, shownValue(t, c, 'from', zone, names), shownValue(t, c, 'to', zone, names));
}

/** `/newtask private <title>` makes a private task. */
const PRIVATE_WORDS = ['private', 'приватное', 'приватно'];

async function create(ctx: BotContext, title: string, isPrivate: boolean): Promise<void> {
  const n = await createTask({ title, authorId: ctx.person._id, private: isPrivate });
  await ctx.reply(
    ctx.t.taskCreated(n, title.trim().replace(/\s+/g, ' ')) + (isPrivate ? `\n${ctx.t.taskPrivateCreated(n)}` : ''),
    Markup.inlineKeyboard([[Markup.button.callback(ctx.t.watchButton, callbackData.channels(n))]]),
  );
}

async function showTask(ctx: BotContext, n: number): Promise<void> {
  const t = ctx.t;
  const zone = ctx.person.timezone;
  const { task, author, assignee, changes, names, observerCount } = await getTaskDetails(n, viewerOf(ctx));
  // Opening a task counts as seeing it: an SMS held for escalation then stays unsent.
  await markSeen(ctx.person._id, task._id);
  const mine = await getObserver(n, ctx.person._id);
  const lines = [
    t.taskTitle(task.number, task.title),
    ...(task.private ? [t.taskPrivateLine] : []),
    t.taskStatus(t.status[task.status] ?? task.status),
    t.taskPriority(t.priority[task.priority] ?? task.priority),
    t.taskDue(task.due ? formatDue(task.due, zone) : undefined),
    t.taskAuthor(author?.name ?? '—'),
    t.taskAssignee(assignee?.name),
    t.taskObservers(observerCount, mine ? channelList(t, mine.channels) : undefined),
  ];
  if (task.description) lines.push(t.taskDescription(task.description));
  if (changes.length) {
    lines.push('', t.taskChanges);
    for (const ch of changes) {
      const what = ch.fields.map((f) => changeText(t, f, zone, names)).join('; ');
      lines.push(t.changeLine(names.get(ch.actor) ?? '?', dateTime(ch.at, zone), what));
    }
  }
  await ctx.reply(clip(lines.join('\n')), taskButtons(t, task.number, Boolean(mine)));
}

async function listTasks(ctx: BotContext): Promise<void> {
  const t = ctx.t;
  const list = await listTasksFor(ctx.person._id, 30);
  if (!list.length) {
    await ctx.reply(t.noTasks);
    return;
  }
  const lines = list.map(({ task, roles }) =>
    t.taskLine(task.number, task.title, t.status[task.status] ?? task.status, roles.map((r) => t.role[r]).join(', ')),
  );
  const buttons = rows(
    list.slice(0, 8).map(({ task }) => Markup.button.callback(`#${task.number}`, callbackData.taskView(task.number))),
    4,
  );
  await ctx.reply(clip([t.tasksTitle, ...lines].join('\n')), Markup.inlineKeyboard(buttons));
}

/** Applies `change` to the task `access` grants, and tells what it was and is now. */
async function applyEdit(ctx: BotContext, access: TaskAccess<'change'>, change: TaskEdit): Promise<void> {
  const { task, change: made } = await editTask(access, change);
  const f = made.fields[0]!;
  const t = ctx.t;
  const zone = ctx.person.timezone;
  const names = await personNames(peopleNamedIn(made.fields));
  const n = task.number;
  await ctx.reply(
    `${t.edited(n, t.field[f.field] ?? f.field, shownValue(t, f, 'from', zone, names), shownValue(t, f, 'to', zone, names))}\n${t.sendHint(n)}`,
  );
}

const DONE: TaskEdit = { field: 'status', to: 'done' };

async function comment(ctx: BotContext, access: TaskAccess, text: string): Promise<void> {
  const n = access.task.number;
  const { task } = await addComment(access, text);
  // `/send <n>` is for those who may change the task: no hint that would be refused.
  await ctx.reply(canChange(viewerOf(ctx), task) ? `${ctx.t.commented(n)}\n${ctx.t.sendHint(n)}` : ctx.t.commented(n));
}

export function tasksFeature(deps: BotDeps): Feature {
  // An edit may move a reminder's moment (due, status, assignee): the worker in this process sets its alarm again.
  const edit = async (ctx: BotContext, access: TaskAccess<'change'>, change: TaskEdit): Promise<void> => {
    await applyEdit(ctx, access, change);
    await deps.delivery.timesChanged?.().catch((err: unknown) => deps.logger.warn({ err }, 'the reminder alarm could not be set again'));
  };
  const c = new Composer<BotContext>();
  const titleStep: Step = { key: 'title', ask: (ctx) => ctx.t.askTitle };
  const fieldStep: Step = {
    key: 'field',
    ask: (ctx) => ctx.t.askField,
    buttons: (ctx) =>
      rows(
        EDITABLE_FIELDS.map((f) => ({ text: ctx.t.field[f] ?? f, value: f })),
        3,
      ),
    parse: (raw) => parseField(raw),
  };
  const valueStep: Step = {
    key: 'value',
    ask: (ctx, v) => ctx.t.askValue(v.field ?? ''),
    // Parsed here, once: a value that cannot be one is asked again, in the conversation (not refused after
    // it has ended); the edit is kept encoded until the end. The task was checked at its own step.
    parse: async (raw, ctx, v) => encodeEdit(await readEdit(parseField(v.field ?? ''), raw, ctx.person.timezone)),
    buttons: (ctx, v) =>
      v.field === 'private'
        ? [
            [
              { text: ctx.t.on, value: 'on' },
              { text: ctx.t.off, value: 'off' },
            ],
          ]
        : v.field === 'status'
          ? rows(
              TASK_STATUSES.map((s) => ({ text: ctx.t.status[s] ?? s, value: s })),
              3,
            )
          : v.field === 'priority'
            ? rows(
                PRIORITIES.map((p) => ({ text: ctx.t.priority[p] ?? p, value: p })),
                4,
              )
            : [],
  };
  const commentStep: Step = { key: 'text', ask: (ctx) => ctx.t.askComment };

  const scenes = [
    conversation(
      { id: 'conv:newtask', next: (v) => firstMissing([titleStep], v), finish: (ctx, v) => create(ctx, v.title!, v.private === 'on') },
      deps.secrets,
    ),
    conversation(
      { id: 'conv:task', next: (v) => firstMissing([taskStep()], v), finish: (ctx, v) => showTask(ctx, Number(v.task)) },
      deps.secrets,
    ),
    conversation(
      {
        id: 'conv:edit',
        next: (v) => firstMissing([taskStep('task', 'change'), fieldStep, valueStep], v),
        finish: async (ctx, v) => edit(ctx, await taskToChange(Number(v.task), viewerOf(ctx)), decodeEdit(v.value!)),
      },
      deps.secrets,
    ),
    conversation(
      {
        id: 'conv:done',
        next: (v) => firstMissing([taskStep('task', 'change')], v),
        finish: async (ctx, v) => edit(ctx, await taskToChange(Number(v.task), viewerOf(ctx)), DONE),
      },
      deps.secrets,
    ),
    conversation(
      {
        id: 'conv:comment',
        next: (v) => firstMissing([taskStep(), commentStep], v),
        finish: async (ctx, v) => comment(ctx, await taskToSee(Number(v.task), viewerOf(ctx)), v.text!),
      },
      deps.secrets,
    ),
  ];

  c.command('newtask', async (ctx) => {
    const payload = commandPayload(ctx);
    const [first, rest] = splitFirst(payload);
    const isPrivate = PRIVATE_WORDS.includes(first.toLowerCase());
    const title = isPrivate ? rest : payload;
    if (!title) return startConversation(ctx, 'conv:newtask', isPrivate ? { private: 'on' } : {});
    return create(ctx, title, isPrivate);
  });

  c.command('tasks', listTasks);

  c.command('task', async (ctx) => {
    const payload = commandPayload(ctx);
    return payload ? showTask(ctx, parseTaskNumber(payload)) : startConversation(ctx, 'conv:task');
  });
  c.action(callbackPattern.taskView, async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
    await showTask(ctx, Number(ctx.match[1]));
  });

  c.command('edit', async (ctx) => {
    const [rawTask, rest] = splitFirst(commandPayload(ctx));
    const [rawField, value] = splitFirst(rest);
    if (!rawTask) return startConversation(ctx, 'conv:edit');
    // The one access check of this edit, before the value is read: a refused edit learns nothing of it.
    const access = await taskToChange(parseTaskNumber(rawTask), viewerOf(ctx));
    const n = access.task.number;
    if (!rawField) return startConversation(ctx, 'conv:edit', { task: String(n) });
    const field = parseField(rawField);
    if (!value) return startConversation(ctx, 'conv:edit', { task: String(n), field });
    return edit(ctx, access, await readEdit(field, value, ctx.person.timezone));
  });

  c.command('done', async (ctx) => {
    const payload = commandPayload(ctx);
    return payload ? edit(ctx, await taskToChange(parseTaskNumber(payload), viewerOf(ctx)), DONE) : startConversation(ctx, 'conv:done');
  });
  c.action(callbackPattern.taskDone, async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
    await edit(ctx, await taskToChange(Number(ctx.match[1]), viewerOf(ctx)), DONE);
  });

  c.command('comment', async (ctx) => {
    const [rawTask, text] = splitFirst(commandPayload(ctx));
    if (!rawTask) return startConversation(ctx, 'conv:comment');
    const access = await taskToSee(parseTaskNumber(rawTask), viewerOf(ctx));
    return text ? comment(ctx, access, text) : startConversation(ctx, 'conv:comment', { task: String(access.task.number) });
  });

  return { composer: c, scenes };
}
