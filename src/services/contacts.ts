/**
 * E-mail addresses and SMS phones: their form, and who they belong to. Only a person's confirmed or admin-set contacts count (a
 * pending one lives in `pendingEmail`/`pendingPhone` and is found by nothing), and each names one person:
 * a second person with the same address is refused when it is set. Should two people share one anyway (two
 * admins setting it in the same instant; the check and the write are two statements), a lookup says so and
 * never picks one of them.
 */
import type { Types } from 'mongoose';
import { PersonModel, type PersonDoc } from '../db/models/index.js';
import { UserError } from '../domain/errors.js';
import { checkSmsPhone } from '../domain/phones.js';
import { getSettings } from '../db/settings-store.js';
import { loadPerson, namesOf, type PersonId } from './people.js';

export type ContactKind = 'email' | 'phone';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The filter of people whose `kind` is `value` (e-mail compared without case, as mail servers do). */
function contactFilter(kind: ContactKind, value: string): Record<string, unknown> {
  return kind === 'email' ? { email: { $regex: `^${escapeRegExp(value)}$`, $options: 'i' } } : { phone: value };
}

/** At most two people whose confirmed or admin-set `kind` is `value`. */
export async function peopleWithContact(kind: ContactKind, value: string, except?: Types.ObjectId): Promise<PersonDoc[]> {
  return PersonModel.find({ ...contactFilter(kind, value), ...(except ? { _id: { $ne: except } } : {}) })
    .sort({ _id: 1 })
    .limit(2);
}

/**
 * The one person whose `kind` is `value`, or undefined; two or more are `person_ambiguous` naming them
 * (the API answers 409).
 */
export async function findByContact(kind: ContactKind, value: string, ref: string): Promise<PersonDoc | undefined> {
  const found = await peopleWithContact(kind, value);
  if (found.length > 1) throw new UserError('person_ambiguous', { ref, names: namesOf(found) });
  return found[0];
}

/**
 * Refuses `value` as `kind` of person `self` (undefined: a person not created yet) when someone else has it: `contact_taken` naming them for an
 * admin (`reveal`), `contact_taken_private` without a name for the person asking for their own.
 */
export async function assertContactFree(
  kind: ContactKind,
  value: string,
  self: Types.ObjectId | undefined,
  reveal: boolean,
): Promise<void> {
  const others = await peopleWithContact(kind, value, self);
  if (others.length === 0) return;
  throw reveal
    ? new UserError('contact_taken', { kind, value, names: namesOf(others) })
    : new UserError('contact_taken_private', { kind, value });
}

const EMAIL_RE = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:.]{2,}$/;

export function isEmail(s: string): boolean {
  return s.length <= 254 && EMAIL_RE.test(s);
}

/**
 * A phone as typed, in E.164, if SMS can go to it: a mobile number (src/domain/phones.ts) of a country the
 * admins allow (`/sms countries=…`). Otherwise a UserError saying why and what to enter.
 */
export async function checkPhoneForSms(raw: string): Promise<string> {
  const value = raw.trim();
  const countries = (await getSettings()).sms?.countries ?? [];
  const r = checkSmsPhone(value, { countries });
  if (r.ok) return r.e164;
  if (r.reason === 'invalid') throw new UserError('phone_invalid', { value });
  if (r.reason === 'type') throw new UserError('phone_not_mobile', { value: r.e164, type: r.type });
  throw new UserError('phone_country_refused', { value: r.e164, country: r.country, allowed: countries.join(', ') });
}

/** Where a contact waits for its code (src/services/contact-codes.ts). */
export const PENDING_FIELD = { email: 'pendingEmail', phone: 'pendingPhone' } as const;

/** The contact as it is stored: a trimmed e-mail, an E.164 phone SMS can go to; otherwise a UserError. */
export async function normaliseContact(kind: ContactKind, raw: string): Promise<string> {
  if (kind === 'phone') return checkPhoneForSms(raw);
  const email = raw.trim();
  if (!isEmail(email)) throw new UserError('email_invalid', { value: email });
  return email;
}

/** Whether two stored contacts are the same (e-mail without case). */
export function sameContact(kind: ContactKind, a: string | null | undefined, b: string): boolean {
  return a != null && (kind === 'email' ? a.toLowerCase() === b.toLowerCase() : a === b);
}

/**
 * Sets (or, with null, clears) the e-mail or SMS phone notifications go to, as trusted: an admin's word, or
 * a code the person confirmed (src/services/contact-codes.ts). Refused when someone else has it (`reveal`:
 * name them). Clearing drops a contact waiting for its code too.
 */
export async function setContact(
  kind: ContactKind,
  personId: PersonId,
  raw: string | null,
  opts: { reveal?: boolean } = {},
): Promise<PersonDoc> {
  const p = await loadPerson(personId);
  const pending = PENDING_FIELD[kind];
  if (raw === null) {
    p[kind] = undefined;
    p[pending] = undefined;
  } else {
    const value = await normaliseContact(kind, raw);
    await assertContactFree(kind, value, p._id, opts.reveal ?? true);
    p[kind] = value;
    if (sameContact(kind, p[pending]?.value, value)) p[pending] = undefined;
  }
  await p.save();
  return p;
}

export const setEmail = (personId: PersonId, raw: string | null, opts: { reveal?: boolean } = {}) =>
  setContact('email', personId, raw, opts);
export const setPhone = (personId: PersonId, raw: string | null, opts: { reveal?: boolean } = {}) =>
  setContact('phone', personId, raw, opts);

/**
 * Sets (null: clears) e-mail and phone together, as trusted (an admin, an API write token): both are
 * checked, their owners too, before either is saved.
 */
export async function setContacts(personId: PersonId, c: { email?: string | null; phone?: string | null }): Promise<PersonDoc> {
  const p = await loadPerson(personId);
  for (const kind of ['email', 'phone'] as const) {
    const raw = c[kind];
    if (raw != null) await assertContactFree(kind, await normaliseContact(kind, raw), p._id, true);
  }
  let out = p;
  for (const kind of ['email', 'phone'] as const) if (c[kind] !== undefined) out = await setContact(kind, p._id, c[kind]);
  return out;
}
