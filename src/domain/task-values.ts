/** Parsing what people type for task fields: field names, statuses, priorities, due dates. No I/O. */
import { DateTime } from 'luxon';
import { EDITABLE_FIELDS, PRIORITIES, TASK_STATUSES, type EditableField, type Priority, type TaskStatus } from './types.js';
import { isOff } from './off-words.js';
import { UserError } from './errors.js';

export const TITLE_MAX = 200;
export const TEXT_MAX = 2000;

/** A task title as typed: trimmed, runs of white space made one space, at most {@link TITLE_MAX}. */
export function checkTitle(raw: string): string {
  const title = raw.trim().replace(/\s+/g, ' ');
  if (!title) throw new UserError('title_empty');
  if (title.length > TITLE_MAX) throw new UserError('title_too_long', { max: TITLE_MAX, length: title.length });
  return title;
}

/** A description or comment as typed: trimmed, not empty, at most {@link TEXT_MAX}. */
export function checkText(raw: string): string {
  const text = raw.trim();
  if (!text) throw new UserError('text_empty');
  if (text.length > TEXT_MAX) throw new UserError('text_too_long', { max: TEXT_MAX, length: text.length });
  return text;
}

const FIELD_ALIASES: Record<string, EditableField> = {
  название: 'title',
  заголовок: 'title',
  описание: 'description',
  desc: 'description',
  статус: 'status',
  state: 'status',
  приоритет: 'priority',
  срок: 'due',
  deadline: 'due',
  исполнитель: 'assignee',
  assign: 'assignee',
  приватное: 'private',
  приватность: 'private',
};

export function parseField(raw: string): EditableField {
  const f = raw.trim().toLowerCase();
  if ((EDITABLE_FIELDS as readonly string[]).includes(f)) return f as EditableField;
  const alias = FIELD_ALIASES[f];
  if (alias) return alias;
  throw new UserError('field_unknown', { value: raw.trim(), fields: EDITABLE_FIELDS.join(', ') });
}

const STATUS_ALIASES: Record<string, TaskStatus> = {
  'in progress': 'in_progress',
  'in-progress': 'in_progress',
  inprogress: 'in_progress',
  canceled: 'cancelled',
  новая: 'new',
  новое: 'new',
  'в работе': 'in_progress',
  'на проверке': 'review',
  проверка: 'review',
  готово: 'done',
  выполнено: 'done',
  выполнена: 'done',
  сделано: 'done',
  отменена: 'cancelled',
  отменено: 'cancelled',
};

export function parseStatus(raw: string): TaskStatus {
  const s = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  if ((TASK_STATUSES as readonly string[]).includes(s)) return s as TaskStatus;
  const alias = STATUS_ALIASES[s];
  if (alias) return alias;
  throw new UserError('status_invalid', { value: raw.trim(), values: TASK_STATUSES.join(', ') });
}

const PRIORITY_ALIASES: Record<string, Priority> = {
  низкий: 'low',
  обычный: 'normal',
  нормальный: 'normal',
  высокий: 'high',
  срочный: 'urgent',
  срочно: 'urgent',
};

export function parsePriority(raw: string): Priority {
  const s = raw.trim().toLowerCase();
  if ((PRIORITIES as readonly string[]).includes(s)) return s as Priority;
  const alias = PRIORITY_ALIASES[s];
  if (alias) return alias;
  throw new UserError('priority_invalid', { value: raw.trim(), values: PRIORITIES.join(', ') });
}

const ON_WORDS = ['on', 'yes', 'true', '1', 'да', 'вкл'];

/** `on`/`off` (also yes/no, да/нет) for switches such as `/edit 12 private on`. */
export function parseOnOff(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (ON_WORDS.includes(v)) return true;
  if (isOff(v) || ['no', 'false', '0', 'выкл'].includes(v)) return false;
  throw new UserError('on_off_invalid', { value: raw.trim() });
}

const DATE_FORMATS = ['d.M.yyyy', 'yyyy-MM-dd', 'd.M.yy'];
const TIME_FORMATS = ['H:mm', 'H.mm'];

/**
 * A due date typed by a person, in their zone: `25.12.2026`, `25.12.2026 18:00`, `2026-12-25`,
 * `2026-12-25 18:00`, `+3d` (also `+5h`, `+2w`), `today`, `tomorrow`; null for `off`.
 */
export function parseDue(raw: string, zone: string, now: Date = new Date()): Date | null {
  const s = raw.trim().toLowerCase();
  if (isOff(s)) return null;
  const base = DateTime.fromJSDate(now, { zone });
  const rel = /^\+(\d{1,4})\s*([dhwдчн])$/.exec(s);
  if (rel) {
    const n = Number(rel[1]);
    const unit = ({ d: 'days', д: 'days', h: 'hours', ч: 'hours', w: 'weeks', н: 'weeks' } as const)[
      rel[2] as 'd' | 'д' | 'h' | 'ч' | 'w' | 'н'
    ];
    return base
      .plus({ [unit]: n })
      .startOf('minute')
      .toJSDate();
  }
  if (s === 'today' || s === 'сегодня') return base.startOf('day').toJSDate();
  if (s === 'tomorrow' || s === 'завтра') return base.plus({ days: 1 }).startOf('day').toJSDate();
  for (const d of DATE_FORMATS) {
    for (const fmt of [d, ...TIME_FORMATS.map((t) => `${d} ${t}`)]) {
      const dt = DateTime.fromFormat(s.replace(/\s+/g, ' '), fmt, { zone });
      if (dt.isValid) return dt.toJSDate();
    }
  }
  throw new UserError('due_invalid', { value: raw.trim() });
}

/** A due date for people: `25.12.2026` at midnight, else `25.12.2026 18:00`, in `zone`. */
export function formatDue(due: Date, zone: string): string {
  const dt = DateTime.fromJSDate(due, { zone });
  return dt.hour === 0 && dt.minute === 0 ? dt.toFormat('dd.MM.yyyy') : dt.toFormat('dd.MM.yyyy HH:mm');
}

/** `#12`, `№12` or `12`. */
export function parseTaskNumber(raw: string | undefined): number {
  const m = /^[#№]?(\d{1,9})$/.exec((raw ?? '').trim());
  if (!m) throw new UserError('task_number_invalid', { value: (raw ?? '').trim() });
  return Number(m[1]);
}
