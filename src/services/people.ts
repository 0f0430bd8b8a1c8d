/** People: registration, contacts, preferences and roles. Plain functions over the models, no telegraf. */
import { IANAZone } from 'luxon';
import type { Types } from 'mongoose';
import { PersonModel, type PersonDoc } from '../db/models/index.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { LANGUAGES, type Language, type Role } from '../domain/types.js';
import { normalizePhone } from '../domain/phone.js';
import { isOff } from '../domain/off-words.js';
import { UserError } from '../domain/errors.js';
import { parseQuietHours } from '../domain/quiet-hours.js';

export type PersonId = Types.ObjectId | string;

export interface RegisterInput {
  telegramId: number;
  name: string;
  /** Telegram @username, with or without the @. */
  username?: string;
}

export interface RegisterDefaults {
  /** Telegram ids that are admins (ADMIN_IDS). */
  adminIds: readonly number[];
  defaultTimezone: string;
  defaultLanguage: Language;
}

function cleanUsername(username: string | undefined): string | undefined {
  const u = username?.trim().replace(/^@/, '').toLowerCase();
  return u || undefined;
}

/**
 * Finds or creates the person behind a Telegram id. Idempotent: name and username follow Telegram, and an
 * id listed in ADMIN_IDS is (again) made admin. Two first contacts racing meet the unique telegramId.
 */
export async function registerPerson(input: RegisterInput, defaults: RegisterDefaults): Promise<PersonDoc> {
  const username = cleanUsername(input.username);
  const name = input.name.trim() || username || String(input.telegramId);
  const isListedAdmin = defaults.adminIds.includes(input.telegramId);
  for (let attempt = 0; ; attempt++) {
    const existing = await PersonModel.findOne({ telegramId: input.telegramId });
    if (existing) {
      let dirty = false;
      if (existing.name !== name) {
        existing.name = name;
        dirty = true;
      }
      if ((existing.username ?? undefined) !== username) {
        existing.username = username;
        dirty = true;
      }
      if (isListedAdmin && existing.role !== 'admin') {
        existing.role = 'admin';
        dirty = true;
      }
      if (dirty) await existing.save();
      return existing;
    }
    try {
      return await PersonModel.create({
        telegramId: input.telegramId,
        name,
        username,
        role: isListedAdmin ? 'admin' : 'user',
        timezone: defaults.defaultTimezone,
        language: defaults.defaultLanguage,
      });
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 3) throw err;
    }
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A person by `@username`, Telegram id or name (case-insensitive, whole name). Undefined when nobody
 * matches; a name two people share is a UserError that asks for the @username.
 */
export async function findPersonByRef(ref: string): Promise<PersonDoc | undefined> {
  const r = ref.trim();
  if (!r) return undefined;
  if (r.startsWith('@')) {
    return (await PersonModel.findOne({ username: cleanUsername(r) })) ?? undefined;
  }
  if (/^\d+$/.test(r)) {
    const byId = await PersonModel.findOne({ telegramId: Number(r) });
    if (byId) return byId;
  }
  const byUsername = await PersonModel.findOne({ username: r.toLowerCase() });
  if (byUsername) return byUsername;
  const byName = await PersonModel.find({ name: { $regex: `^${escapeRegExp(r)}$`, $options: 'i' } }).limit(2);
  if (byName.length > 1) throw new UserError('person_ambiguous', { ref: r });
  return byName[0];
}

/** Like {@link findPersonByRef}, but an unknown reference is a UserError. */
export async function requirePerson(ref: string): Promise<PersonDoc> {
  const p = await findPersonByRef(ref);
  if (!p) throw new UserError('person_not_found', { ref: ref.trim() });
  return p;
}

async function load(personId: PersonId): Promise<PersonDoc> {
  const p = await PersonModel.findById(personId);
  if (!p) throw new UserError('person_not_found', { ref: String(personId) });
  return p;
}

const EMAIL_RE = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:.]{2,}$/;

export function isEmail(s: string): boolean {
  return s.length <= 254 && EMAIL_RE.test(s);
}

/** Sets (or, with null, clears) the e-mail notifications go to. */
export async function setEmail(personId: PersonId, raw: string | null): Promise<PersonDoc> {
  const p = await load(personId);
  if (raw === null) {
    p.email = undefined;
  } else {
    const email = raw.trim();
    if (!isEmail(email)) throw new UserError('email_invalid', { value: email });
    p.email = email;
  }
  await p.save();
  return p;
}

/** Sets (or, with null, clears) the SMS phone; stored in E.164. */
export async function setPhone(personId: PersonId, raw: string | null): Promise<PersonDoc> {
  const p = await load(personId);
  if (raw === null) {
    p.phone = undefined;
  } else {
    const phone = normalizePhone(raw.trim());
    if (!phone) throw new UserError('phone_invalid', { value: raw.trim() });
    p.phone = phone;
  }
  await p.save();
  return p;
}

/** The canonical spelling of an IANA zone (`europe/moscow` → `Europe/Moscow`), or undefined. */
export function canonicalZone(raw: string): string | undefined {
  const zone = raw.trim();
  if (!zone || !IANAZone.isValidZone(zone)) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export async function setTimezone(personId: PersonId, raw: string): Promise<PersonDoc> {
  const zone = canonicalZone(raw);
  if (!zone) throw new UserError('tz_invalid', { value: raw.trim() });
  const p = await load(personId);
  p.timezone = zone;
  await p.save();
  return p;
}

/** Parses `HH:MM-HH:MM` into zero-padded times; undefined when malformed or empty (start = end). */
export { parseQuietHours };

/** Sets quiet hours from `HH:MM-HH:MM`, or clears them with `off`. */
export async function setQuietHours(personId: PersonId, raw: string): Promise<PersonDoc> {
  const value = raw.trim().toLowerCase();
  const p = await load(personId);
  if (isOff(value)) {
    p.quietHours = undefined;
  } else {
    const q = parseQuietHours(value);
    if (!q) throw new UserError('quiet_invalid', { value: raw.trim() });
    p.set('quietHours', q);
  }
  await p.save();
  return p;
}

export async function setLanguage(personId: PersonId, raw: string): Promise<PersonDoc> {
  const lang = raw.trim().toLowerCase();
  if (!(LANGUAGES as readonly string[]).includes(lang)) throw new UserError('lang_invalid', { value: raw.trim() });
  const p = await load(personId);
  p.language = lang as Language;
  await p.save();
  return p;
}

/** Promotes or demotes; the last admin cannot be demoted. */
export async function setRole(personId: PersonId, role: Role): Promise<PersonDoc> {
  const p = await load(personId);
  if (p.role === role) return p;
  if (role === 'user' && (await PersonModel.countDocuments({ role: 'admin' })) <= 1) {
    throw new UserError('last_admin', { name: p.name });
  }
  p.role = role;
  await p.save();
  return p;
}

export async function listPeople(): Promise<PersonDoc[]> {
  return PersonModel.find().sort({ name: 1, telegramId: 1 });
}

export async function listAdmins(): Promise<PersonDoc[]> {
  return PersonModel.find({ role: 'admin' }).sort({ name: 1 });
}
