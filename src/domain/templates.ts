/**
 * Notification texts: templates with `{placeholders}`, defaults in ru and en, and the renderers for
 * e-mail (subject, text, HTML), SMS and Telegram. A message is grouped by task: each task's header and
 * state once, its changes in time order. Pure: no I/O.
 */
import { clip, TELEGRAM_MAX_LENGTH } from './text.js';
import {
  compactChanges,
  formatDate,
  groupByTask,
  listChange,
  listChanges,
  NONE,
  oneLine,
  shortDate,
  taskState,
  translateValue,
  type NotificationItem,
  type NotificationWords,
  type RenderOptions,
  type TaskGroup,
} from './templates-format.js';
import { escapeHtml, renderEmailHtml } from './templates-html.js';
import { joinRich, plainOf, richLength, type RichText } from './rich-text.js';
import type { Language } from './types.js';

export { escapeHtml, groupByTask, type NotificationItem, type NotificationWords, type RenderOptions, type TaskGroup };

export const PLACEHOLDERS: readonly string[] = [
  '{task.number}',
  '{task.title}',
  '{task.status}',
  '{task.priority}',
  '{task.due}',
  '{task.description}',
  '{changes}',
  '{actor}',
  '{date}',
  '{person.name}',
];

export const TEMPLATE_KINDS = ['email_subject', 'email_body', 'sms'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

export const DEFAULT_TEMPLATES: Record<Language, Record<TemplateKind, string>> = {
  ru: {
    email_subject: 'Изменено задание #{task.number}: {task.title}',
    email_body:
      'Задание #{task.number} «{task.title}»\n\n' +
      'Изменения:\n{changes}\n\n' +
      'Статус: {task.status}\nПриоритет: {task.priority}\nСрок: {task.due}',
    sms: '#{task.number} {task.title}: {changes}',
  },
  en: {
    email_subject: 'Task #{task.number} changed: {task.title}',
    email_body:
      'Task #{task.number} "{task.title}"\n\n' +
      'Changes:\n{changes}\n\n' +
      'Status: {task.status}\nPriority: {task.priority}\nDue: {task.due}',
    sms: '#{task.number} {task.title}: {changes}',
  },
};

/** Longest e-mail subject, in characters; longer ones end with "…". */
export const MAX_SUBJECT_LENGTH = 150;

const TOKEN = /\{[^{}]*\}/g;

/** `{…}` tokens of `text` that are not placeholders, each once, braces included (`{task.nmber}`). */
export function unknownPlaceholders(text: string): string[] {
  const known = new Set(PLACEHOLDERS);
  const unknown: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    if (!known.has(m[0]) && !unknown.includes(m[0])) unknown.push(m[0]);
  }
  return unknown;
}

type ChangeStyle = 'list' | 'compact';

/** Placeholder values of one task's group; `{actor}` and `{date}` are those of its last change. */
function values(group: TaskGroup, opts: RenderOptions, style: ChangeStyle): Record<string, string> {
  const { words } = opts;
  const lastChange = group.changes[group.changes.length - 1]!;
  const { task } = group;
  const vals: Record<string, string> = {
    '{task.number}': String(task.number),
    '{task.title}': task.title,
    '{task.status}': translateValue('status', task.status, words),
    '{task.priority}': translateValue('priority', task.priority, words),
    '{task.due}': task.due ? formatDate(task.due, opts) : NONE,
    '{task.description}': task.description?.trim() || NONE,
    '{changes}': style === 'compact' ? compactChanges(group.changes, opts) : listChanges(group.changes, opts),
    '{actor}': [...new Set(group.changes.map((c) => c.actor))].join(', '),
    '{date}': formatDate(lastChange.at, opts),
    '{person.name}': opts.personName,
  };
  if (style === 'compact') {
    for (const k of Object.keys(vals)) vals[k] = oneLine(vals[k]!);
    if (task.due) vals['{task.due}'] = shortDate(task.due, opts);
  }
  return vals;
}

/** One pass: values are never scanned for placeholders again; unknown tokens stay as they are. */
function fill(template: string, vals: Record<string, string>): string {
  return template.replace(TOKEN, (token) => vals[token] ?? token);
}

function pick(template: string | undefined, fallback: string): string {
  return template && template.trim() ? template : fallback;
}

function subjectLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they must not reach a subject
  return clip(oneLine(s.replace(/[\u0000-\u001f\u007f]/g, ' ')), MAX_SUBJECT_LENGTH);
}

function requireItems(items: NotificationItem[]): TaskGroup[] {
  if (items.length === 0) throw new RangeError('nothing to render: no notification items');
  return groupByTask(items);
}

const EMAIL_SEPARATOR = '\n\n————————————————————\n\n';

/** A piece of a letter's footer: text, or a link (the text part shows its address, the HTML part its label). */
export type FooterPiece = string | { href: string; label: string };

/**
 * Why the person gets the letter, and how to stop: for the tasks they watch, a one-tap unsubscribe link each
 * (when `opts.unsubscribeLink` gives one); otherwise `/unwatch N` in the bot.
 */
function footerOf(groups: TaskGroup[], opts: RenderOptions): FooterPiece[] {
  const w = opts.words;
  const roles = new Set(groups.map((g) => g.role));
  const role = roles.size === 1 ? [...roles][0] : undefined;
  const numbers = groups.map((g) => g.task.number);
  const links = groups.flatMap((g) => {
    const href = g.role === 'observer' ? opts.unsubscribeLink?.(g.task.number) : undefined;
    return href ? [{ number: g.task.number, href }] : [];
  });
  const why = w.why(role, numbers, links.length > 0);
  if (links.length === 0) return [why];
  if (opts.unsubscribeVia === 'web') {
    // A web page (PUBLIC_URL) works for everyone; a person with Telegram also gets the bot's link.
    const web = w.oneTapWeb(links.length > 1);
    if (links.length === 1) {
      const bot = opts.botUnsubscribeLink?.(links[0]!.number);
      const link: FooterPiece = { href: links[0]!.href, label: w.linkLabel(links[0]!.number) };
      return bot
        ? [`${why} ${web.before}`, link, web.orBot, { href: bot, label: 't.me' }, `)${web.after}`]
        : [`${why} ${web.before}`, link, web.after];
    }
    return [
      `${why} ${web.before}`,
      ...links.flatMap((l, i) => [`${i ? ', ' : ''}#${l.number} `, { href: l.href, label: w.linkLabel(l.number) }]),
      web.after,
    ];
  }
  const { before, after } = w.oneTap(links.length > 1, links[0]!.number);
  const list: FooterPiece[] =
    links.length === 1
      ? [{ href: links[0]!.href, label: w.linkLabel(links[0]!.number) }]
      : links.flatMap((l, i) => [`${i ? ', ' : ''}#${l.number} `, { href: l.href, label: w.linkLabel(l.number) }]);
  return [`${why} ${before}`, ...list, after];
}

/** The footer as plain text: links as their addresses. */
function footerText(pieces: FooterPiece[]): string {
  return pieces.map((p) => (typeof p === 'string' ? p : p.href)).join('');
}

/**
 * One task: the subject and body templates. Several (a digest): a counting subject and each task rendered
 * by the body template. The HTML part shows the same: a table of changes per task, its state, a footer.
 * `listUnsubscribe` is the link for the `List-Unsubscribe` header: only a letter about one task the person
 * watches has one (the link stops that task; a digest's tasks each have theirs in the footer).
 */
export function renderEmail(
  items: NotificationItem[],
  templates: Partial<Record<TemplateKind, string>>,
  opts: RenderOptions,
): { subject: string; text: string; html: string; listUnsubscribe?: string } {
  const groups = requireItems(items);
  const defaults = DEFAULT_TEMPLATES[opts.words.language];
  const bodyTemplate = pick(templates.email_body, defaults.email_body);
  const bodies = groups.map((g) => fill(bodyTemplate, values(g, opts, 'list')).trim());
  const subject =
    groups.length === 1
      ? subjectLine(fill(pick(templates.email_subject, defaults.email_subject), values(groups[0]!, opts, 'list')))
      : subjectLine(`${opts.words.digest(items.length)} ${groups.map((g) => `#${g.task.number}`).join(', ')}`);
  const footer = footerOf(groups, opts);
  const preface = opts.preface?.length ? `${opts.preface.join('\n')}\n\n` : '';
  const text = `${preface}${bodies.join(EMAIL_SEPARATOR)}\n\n-- \n${footerText(footer)}\n`;
  const only = groups.length === 1 && groups[0]!.role === 'observer' ? opts.unsubscribeLink?.(groups[0]!.task.number) : undefined;
  const html = renderEmailHtml(groups, opts, subject, footer, opts.preface);
  return { subject, text, html, ...(only ? { listUnsubscribe: only } : {}) };
}

/** Each task on one line by the template (`#12 Report: status new→done, due 25.12 18:00`), joined with "; ". */
export function renderSms(items: NotificationItem[], template: string | undefined, opts: RenderOptions): string {
  const groups = requireItems(items);
  const t = pick(template, DEFAULT_TEMPLATES[opts.words.language].sms);
  return groups.map((g) => oneLine(fill(t, values(g, opts, 'compact')))).join('; ');
}

/** A task's Telegram block: its header in bold, each change under who/when (in italics), the state once. */
function telegramBlock(group: TaskGroup, opts: RenderOptions, changes = group.changes, more = ''): RichText {
  const w = opts.words;
  const lines: RichText[] = [[{ text: `#${group.task.number} ${w.quote(oneLine(group.task.title))}`, style: 'bold' }]];
  for (const c of changes) {
    lines.push([{ text: `${c.actor}, ${formatDate(c.at, opts)}`, style: 'italic' }]);
    for (const f of c.fields) lines.push([{ text: listChange(f, opts) }]);
  }
  lines.push([{ text: `${w.now}: ${taskState(group.task, opts)}` }]);
  if (more) lines.push([{ text: more }]);
  return joinRich(lines, '\n');
}

/**
 * The Telegram message as styled text, at most 4096 characters (UTF-16 units, as Telegram counts them). A
 * digest that would be longer keeps whole changes, in the message's order, and ends with "…and N more
 * changes: /task 12", naming the first task whose changes are left out: never cut silently.
 */
export function renderTelegramRich(items: NotificationItem[], opts: RenderOptions): RichText {
  const groups = requireItems(items);
  const w = opts.words;
  const head: RichText = groups.length > 1 ? [{ text: w.digest(items.length), style: 'bold' }, { text: '\n\n' }] : [];
  const full = [
    ...head,
    ...joinRich(
      groups.map((g) => telegramBlock(g, opts)),
      '\n\n',
    ),
  ];
  if (richLength(full) <= TELEGRAM_MAX_LENGTH) return full;
  // Keep the longest prefix of changes that fits with the tail line: bisected, since the text grows with
  // every change kept.
  const flat = groups.flatMap((g) => g.changes.map((c) => ({ g, c })));
  const attempt = (keep: number): RichText => {
    const more = w.more(flat.length - keep, flat[keep]!.g.task.number);
    const kept = groups
      .map((g) => ({
        g,
        changes: flat
          .slice(0, keep)
          .filter((x) => x.g === g)
          .map((x) => x.c),
      }))
      .filter((x) => x.changes.length > 0);
    const blocks = kept.map((x, i) => telegramBlock(x.g, opts, x.changes, i === kept.length - 1 ? more : ''));
    return [...head, ...(blocks.length ? joinRich(blocks, '\n\n') : [{ text: more }])];
  };
  let lo = 0;
  let hi = flat.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (richLength(attempt(mid)) <= TELEGRAM_MAX_LENGTH) lo = mid;
    else hi = mid - 1;
  }
  const rich = attempt(lo);
  if (richLength(rich) <= TELEGRAM_MAX_LENGTH) return rich;
  return [{ text: clip(plainOf([...head, { text: w.more(flat.length, groups[0]!.task.number) }]), TELEGRAM_MAX_LENGTH) }];
}

/** The Telegram message's visible text (what {@link renderTelegramRich} shows, without styles). */
export function renderTelegram(items: NotificationItem[], opts: RenderOptions): string {
  return plainOf(renderTelegramRich(items, opts));
}
