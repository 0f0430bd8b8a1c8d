/** Tasks: /newtask, /tasks, /task, /edit, /done, /comment. */
import { Composer, Markup } from 'telegraf';
import { EDITABLE_FIELDS, PRIORITIES, TASK_STATUSES, type EditableField } from '../../domain/types.js';
import { getObserver } from '../../services/observers.js';
import {
  addComment,
  createTask,
  editTask,
  formatDue,
  getTaskDetails,
  listTasksFor,
  parseField,
  parseTaskNumber,
} from '../../services/tasks.js';
import { requireChangeableTask, requireVisibleTask } from '../../services/access.js';
import { parseDue, parseOnOff, parsePriority, parseStatus } from '../../domain/task-values.js';
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

/** A field value as people read it (status and priority keys translated). */
export function displayValue(t: Texts, field: string, value: string): string {
  if (field === 'status') return t.status[value] ?? value;
  if (field === 'priority') return t.priority[value] ?? value;
  if (field === 'private') return value === 'on' ? t.on : value === 'off' ? t.off : value;
  return value;
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
  const { task, author, assignee, changes, actorNames, observerCount } = await getTaskDetails(n, viewerOf(ctx));
  const mine = await getObserver(n, ctx.person._id);
  const lines = [
    t.taskTitle(task.number, task.title),
    ...(task.private ? [t.taskPrivateLine] : []),
    t.taskStatus(displayValue(t, 'status', task.status)),
    t.taskPriority(displayValue(t, 'priority', task.priority)),
    t.taskDue(task.due ? formatDue(task.due, zone) : undefined),
    t.taskAuthor(author?.name ?? '—'),
    t.taskAssignee(assignee?.name),
    t.taskObservers(observerCount, mine ? channelList(t, mine.channels) : undefined),
  ];
  if (task.description) lines.push(t.taskDescription(task.description));
  if (changes.length) {
    lines.push('', t.taskChanges);
    for (const ch of changes) {
      const what = ch.fields
        .map((f) =>
          f.field === 'comment'
            ? t.changeComment(f.to ?? '')
            : t.changeField(
                t.field[f.field ?? ''] ?? f.field ?? '',
                displayValue(t, f.field ?? '', f.from ?? ''),
                displayValue(t, f.field ?? '', f.to ?? ''),
              ),
        )
        .join('; ');
      lines.push(t.changeLine(actorNames.get(String(ch.actor)) ?? '?', dateTime(ch.at, zone), what));
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
    t.taskLine(task.number, task.title, displayValue(t, 'status', task.status), roles.map((r) => t.role[r]).join(', ')),
  );
  const buttons = rows(
    list.slice(0, 8).map(({ task }) => Markup.button.callback(`#${task.number}`, callbackData.taskView(task.number))),
    4,
  );
  await ctx.reply(clip([t.tasksTitle, ...lines].join('\n')), Markup.inlineKeyboard(buttons));
}

async function edit(ctx: BotContext, n: number, field: EditableField, raw: string): Promise<void> {
  const { change } = await editTask(n, viewerOf(ctx), field, raw, { timezone: ctx.person.timezone });
  const f = change.fields[0]!;
  const t = ctx.t;
  await ctx.reply(
    `${t.edited(n, t.field[field] ?? field, displayValue(t, field, f.from ?? ''), displayValue(t, field, f.to ?? ''))}\n${t.sendHint(n)}`,
  );
}

async function comment(ctx: BotContext, n: number, text: string): Promise<void> {
  const { task } = await addComment(n, viewerOf(ctx), text);
  // `/send <n>` is for those who may change the task: no hint that would be refused.
  await ctx.reply(canChange(viewerOf(ctx), task) ? `${ctx.t.commented(n)}\n${ctx.t.sendHint(n)}` : ctx.t.commented(n));
}

export function tasksFeature(deps: BotDeps): Feature {
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
    // A value that cannot be one is asked again, in the conversation (not refused after it has ended).
    parse: (raw, ctx, v) => {
      const value = raw.trim();
      if (v.field === 'status') parseStatus(value);
      else if (v.field === 'priority') parsePriority(value);
      else if (v.field === 'private') parseOnOff(value);
      else if (v.field === 'due') parseDue(value, ctx.person.timezone);
      return value;
    },
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
        finish: (ctx, v) => edit(ctx, Number(v.task), v.field as EditableField, v.value!),
      },
      deps.secrets,
    ),
    conversation(
      {
        id: 'conv:done',
        next: (v) => firstMissing([taskStep('task', 'change')], v),
        finish: (ctx, v) => edit(ctx, Number(v.task), 'status', 'done'),
      },
      deps.secrets,
    ),
    conversation(
      {
        id: 'conv:comment',
        next: (v) => firstMissing([taskStep(), commentStep], v),
        finish: (ctx, v) => comment(ctx, Number(v.task), v.text!),
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
    const n = (await requireChangeableTask(parseTaskNumber(rawTask), viewerOf(ctx))).number;
    if (!rawField) return startConversation(ctx, 'conv:edit', { task: String(n) });
    const field = parseField(rawField);
    if (!value) return startConversation(ctx, 'conv:edit', { task: String(n), field });
    return edit(ctx, n, field, value);
  });

  c.command('done', async (ctx) => {
    const payload = commandPayload(ctx);
    return payload ? edit(ctx, parseTaskNumber(payload), 'status', 'done') : startConversation(ctx, 'conv:done');
  });
  c.action(callbackPattern.taskDone, async (ctx) => {
    await ctx.answerCbQuery().catch(() => undefined);
    await edit(ctx, Number(ctx.match[1]), 'status', 'done');
  });

  c.command('comment', async (ctx) => {
    const [rawTask, text] = splitFirst(commandPayload(ctx));
    if (!rawTask) return startConversation(ctx, 'conv:comment');
    const n = (await requireVisibleTask(parseTaskNumber(rawTask), viewerOf(ctx))).number;
    return text ? comment(ctx, n, text) : startConversation(ctx, 'conv:comment', { task: String(n) });
  });

  return { composer: c, scenes };
}
