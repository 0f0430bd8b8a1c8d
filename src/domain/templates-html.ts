/**
 * The HTML part of a letter: a layout of nested tables with inline styles (what Outlook, Gmail and mobile
 * clients all render), one block per task: its header, a table of its changes, its state, and a footer
 * saying why the person gets the letter and how to stop. Pure: no I/O.
 */
import { fieldName, formatDate, shownValue, taskState, type RenderOptions, type TaskGroup } from './templates-format.js';

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch] ?? ch);
}

/** Escaped, with line breaks kept. */
const multiline = (s: string) => escapeHtml(s).replace(/\r?\n/g, '<br>');

const CELL = 'padding:6px 8px;border-bottom:1px solid #e5e5e5;vertical-align:top;text-align:left;';
const HEAD = 'padding:6px 8px;border-bottom:2px solid #cccccc;text-align:left;font-weight:bold;color:#555555;font-size:12px;';

function changesTable(group: TaskGroup, opts: RenderOptions): string {
  const w = opts.words;
  const rows = group.changes.flatMap((c) =>
    c.fields.map((f, i) => {
      const who = i === 0 ? `${escapeHtml(c.actor)}<br><span style="color:#777777;">${escapeHtml(formatDate(c.at, opts))}</span>` : '';
      const from = f.field === 'comment' ? '' : multiline(shownValue(f, 'from', opts));
      return (
        `<tr><td style="${CELL}">${who}</td><td style="${CELL}">${escapeHtml(fieldName(f.field, opts.words))}</td>` +
        `<td style="${CELL}color:#777777;">${from}</td><td style="${CELL}">${multiline(shownValue(f, 'to', opts))}</td></tr>`
      );
    }),
  );
  return (
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:14px;">' +
    `\n<tr>${w.columns.map((c) => `<th style="${HEAD}">${escapeHtml(c)}</th>`).join('')}</tr>\n` +
    rows.join('\n') +
    '\n</table>'
  );
}

function taskBlock(group: TaskGroup, opts: RenderOptions): string {
  const w = opts.words;
  const { number, title } = group.task;
  return (
    `<tr><td style="padding:20px 24px 8px;"><h2 style="margin:0;font-size:18px;line-height:1.3;color:#222222;">` +
    `#${number} ${escapeHtml(title)}</h2></td></tr>\n` +
    `<tr><td style="padding:0 24px;">${changesTable(group, opts)}</td></tr>\n` +
    `<tr><td style="padding:8px 24px 16px;color:#444444;"><b>${w.now}:</b> ${escapeHtml(taskState(group.task, opts))}</td></tr>`
  );
}

/** The footer's pieces: text escaped, links as anchors with their labels. */
function footerHtml(footer: Array<string | { href: string; label: string }>): string {
  return footer
    .map((p) =>
      typeof p === 'string' ? escapeHtml(p) : `<a href="${escapeHtml(p.href)}" style="color:#777777;">${escapeHtml(p.label)}</a>`,
    )
    .join('');
}

/** The HTML letter for `groups`; `subject` is its title, `footer` why the person gets it and how to stop. */
export function renderEmailHtml(
  groups: TaskGroup[],
  opts: RenderOptions,
  subject: string,
  footer: Array<string | { href: string; label: string }>,
  /** Lines shown before the tasks (due-date reminders), each a paragraph. */
  preface: readonly string[] = [],
): string {
  const before = preface.length
    ? `<tr><td style="padding:16px 24px 0 24px;">${preface.map((l) => `<p style="margin:0 0 8px 0;">${escapeHtml(l)}</p>`).join('')}</td></tr>\n`
    : '';
  return (
    `<!DOCTYPE html>\n<html lang="${opts.words.language}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(subject)}</title></head>\n` +
    '<body style="margin:0;padding:0;background:#f4f4f4;">\n' +
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f4;"><tr><td align="center" style="padding:16px 8px;">\n' +
    '<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="width:100%;max-width:600px;background:#ffffff;' +
    'font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.4;color:#222222;">\n' +
    before +
    groups.map((g) => taskBlock(g, opts)).join('\n') +
    `\n<tr><td style="padding:16px 24px;border-top:1px solid #e5e5e5;color:#777777;font-size:12px;">${footerHtml(footer)}</td></tr>\n` +
    '</table>\n</td></tr></table>\n</body></html>\n'
  );
}
