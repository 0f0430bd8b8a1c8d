/**
 * A person named by an integration: their id, `@username`, Telegram id (a placeholder below zero for a
 * person without Telegram), e-mail address or phone (`+…`). Unlike display names, each of these names one
 * person at most: only confirmed or admin-set contacts are found, and a reference two people share is
 * `person_ambiguous` (409 in the API), never one of them.
 */
import { isValidObjectId } from 'mongoose';
import { PersonModel, type PersonDoc } from '../db/models/index.js';
import { checkSmsPhone } from '../domain/phones.js';
import { UserError } from '../domain/errors.js';
import { findPersonByRef } from './people.js';
import { isEmail } from './contacts.js';
import { findByContact } from './contacts.js';

/** The person `ref` names, or undefined; a ref of no known form is `person_ref_invalid`. */
export async function findPersonAnyRef(ref: string): Promise<PersonDoc | undefined> {
  const r = ref.trim();
  if (/^[0-9a-f]{24}$/i.test(r) && isValidObjectId(r)) return (await PersonModel.findById(r)) ?? undefined;
  if (r.includes('@') && !r.startsWith('@')) {
    if (!isEmail(r)) throw new UserError('email_invalid', { value: r });
    return findByContact('email', r, r);
  }
  if (r.startsWith('+')) {
    const c = checkSmsPhone(r);
    const e164 = c.ok ? c.e164 : c.reason !== 'invalid' ? c.e164 : undefined;
    if (!e164) throw new UserError('phone_invalid', { value: r });
    return findByContact('phone', e164, r);
  }
  return findPersonByRef(r);
}

export async function requirePersonAnyRef(ref: string): Promise<PersonDoc> {
  const p = await findPersonAnyRef(ref);
  if (!p) throw new UserError('person_not_found', { ref: ref.trim() });
  return p;
}
