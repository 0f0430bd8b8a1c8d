/** What the route files share: the caller's deps, problems naming the field, JSON shapes. */
import type { FastifyRequest } from 'fastify';
import type { PersonDoc } from '../../db/models/index.js';
import type { DeliveryPort } from '../../delivery/port.js';
import { FieldError, type AppliedChange } from '../../services/api-tasks.js';
import { UserError } from '../../domain/errors.js';
import type { EditableField } from '../../domain/types.js';
import type { EditValue, FieldChange } from '../../domain/task-edits.js';
import { hasTelegram } from '../../services/telegram-link.js';
import { fromUserError, languageOf } from './problem.js';

export interface RouteDeps {
  delivery: DeliveryPort;
  defaultTimezone: string;
  defaultLanguage: 'ru' | 'en';
}

export const secured = [{ bearerAuth: [] }];

/** Service errors about an input field name it. */
export async function guard<T>(req: FastifyRequest, fn: () => Promise<T>, pointers: Record<string, string> = {}): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FieldError) throw fromUserError(err.error, languageOf(req), `/${err.field}`);
    if (err instanceof UserError) throw fromUserError(err, languageOf(req), pointers[err.code]);
    throw err;
  }
}

/**
 * One changed field as the API shows it, in the format the task itself uses: status and priority keys, a due
 * date as an ISO 8601 instant, an assignee as the person's id, `private` as `on`/`off`; '' for none. A
 * comment's text is its `to` (`from` '').
 */
export function fieldChangeJson(f: FieldChange): { field: string; from: string; to: string } {
  if (f.field === 'comment') return { field: f.field, from: '', to: f.to };
  return { field: f.field, from: valueJson(f.from), to: valueJson(f.to) };
}

function valueJson(v: EditValue<EditableField>): string {
  if (v === null) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return v;
}

export function changesJson(changes: AppliedChange[]) {
  return changes.map((c) => ({ revision: c.revision, actor: c.actor, at: c.at.toISOString(), fields: c.fields.map(fieldChangeJson) }));
}

/** A person as the API shows them; `contacts` false (a read token) leaves out their e-mail and phone. */
export function personJson(p: PersonDoc, contacts = true) {
  return {
    id: String(p._id),
    name: p.name,
    ...(p.username ? { username: p.username } : {}),
    telegram: hasTelegram(p),
    role: p.role,
    ...(contacts && p.email ? { email: p.email } : {}),
    ...(contacts && p.phone ? { phone: p.phone } : {}),
    timezone: p.timezone,
    language: p.language,
  };
}
