/** What the route files share: the caller's deps, problems naming the field, JSON shapes. */
import type { FastifyRequest } from 'fastify';
import type { PersonDoc } from '../../db/models/index.js';
import type { DeliveryPort } from '../../delivery/port.js';
import { FieldError, type AppliedChange } from '../../services/api-tasks.js';
import { UserError } from '../../domain/errors.js';
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
 * One changed field as the API shows it, in the format the task itself uses: a due date as an ISO 8601
 * instant and an assignee as the person's id ('' for none), not the display text the bot shows.
 */
export function fieldChangeJson(f: {
  field?: string | null;
  from?: string | null;
  to?: string | null;
  fromAt?: Date | null;
  toAt?: Date | null;
  fromPerson?: { toString(): string } | null;
  toPerson?: { toString(): string } | null;
}): { field: string; from: string; to: string } {
  const field = f.field ?? '';
  if (field === 'due' && (f.fromAt !== undefined || f.toAt !== undefined)) {
    return { field, from: f.fromAt ? f.fromAt.toISOString() : '', to: f.toAt ? f.toAt.toISOString() : '' };
  }
  if (field === 'assignee' && (f.fromPerson !== undefined || f.toPerson !== undefined)) {
    const id = (v: { toString(): string } | null | undefined) => (v === null || v === undefined ? '' : v.toString());
    return { field, from: id(f.fromPerson), to: id(f.toPerson) };
  }
  return { field, from: f.from ?? '', to: f.to ?? '' };
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
