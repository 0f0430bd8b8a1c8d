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
 * Sets (or, with null, clears) the e-mail notifications go to, as trusted: an admin's word, or a code the
 * person confirmed (src/services/contact-codes.ts). Refused when someone else has it (`reveal`: name them).
 */
export async function setEmail(personId: PersonId, raw: string | null, opts: { reveal?: boolean } = {}): Promise<PersonDoc> {
  const p = await loadPerson(personId);
  if (raw === null) {
    p.email = undefined;
    p.pendingEmail = undefined;
  } else {
    const email = raw.trim();
    if (!isEmail(email)) throw new UserError('email_invalid', { value: email });
    await assertContactFree('email', email, p._id, opts.reveal ?? true);
    p.email = email;
    if (p.pendingEmail?.value.toLowerCase() === email.toLowerCase()) p.pendingEmail = undefined;
  }
  await p.save();
  return p;
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

/** Sets (or, with null, clears) the SMS phone like {@link setEmail}; stored in E.164. Only numbers that can take an SMS. */
export async function setPhone(personId: PersonId, raw: string | null, opts: { reveal?: boolean } = {}): Promise<PersonDoc> {
  const p = await loadPerson(personId);
  if (raw === null) {
    p.phone = undefined;
    p.pendingPhone = undefined;
  } else {
    const phone = await checkPhoneForSms(raw);
    await assertContactFree('phone', phone, p._id, opts.reveal ?? true);
    p.phone = phone;
    if (p.pendingPhone?.value === phone) p.pendingPhone = undefined;
  }
  await p.save();
  return p;
}

/**
 * Sets (null: clears) e-mail and phone together, as trusted (an admin, an API write token): both are
 * checked, their owners too, before either is saved.
 */
export async function setContacts(personId: PersonId, c: { email?: string | null; phone?: string | null }): Promise<PersonDoc> {
  const p = await loadPerson(personId);
  const email = c.email?.trim();
  if (email != null && !isEmail(email)) throw new UserError('email_invalid', { value: email });
  if (email) await assertContactFree('email', email, p._id, true);
  if (c.phone != null) await assertContactFree('phone', await checkPhoneForSms(c.phone), p._id, true);
  let out = p;
  if (c.email !== undefined) out = await setEmail(p._id, c.email);
  if (c.phone !== undefined) out = await setPhone(p._id, c.phone);
  return out;
}
