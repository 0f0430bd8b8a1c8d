/** People: registration, contacts, preferences and roles. Plain functions over the models, no telegraf. */
import { timeZoneError } from '../domain/time-zones.js';
import { IANAZone } from 'luxon';
import type { Types } from 'mongoose';
import { AlertModel, PersonModel, type PersonDoc } from '../db/models/index.js';
import { alertKey } from '../delivery/outcomes.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { revokeTokensOf } from './api-tokens.js';
import { LANGUAGES, type Language, type Role } from '../domain/types.js';
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
  /** Role of a person created now (an ADMIN_IDS id is admin whatever this says). @defaultValue 'member' */
  role?: Role;
}

function cleanUsername(username: string | undefined): string | undefined {
  const u = username?.trim().replace(/^@/, '').toLowerCase();
  return u || undefined;
}

function displayName(input: RegisterInput): { name: string; username: string | undefined } {
  const username = cleanUsername(input.username);
  return { name: input.name.trim() || username || String(input.telegramId), username };
}

/** Name and username follow Telegram; an ADMIN_IDS id is (again) made admin. Saves only what changed. */
async function sync(existing: PersonDoc, input: RegisterInput, adminIds: readonly number[]): Promise<PersonDoc> {
  const { name, username } = displayName(input);
  let dirty = false;
  if (existing.name !== name) {
    existing.name = name;
    dirty = true;
  }
  if ((existing.username ?? undefined) !== username) {
    existing.username = username;
    dirty = true;
  }
  if (adminIds.includes(input.telegramId) && existing.role !== 'admin') {
    existing.role = 'admin';
    dirty = true;
  }
  if (existing.telegramUnreachableAt) {
    // They wrote to the bot: it is not blocked any more. A later block is reported again.
    existing.telegramUnreachableAt = undefined;
    dirty = true;
    await AlertModel.deleteOne({ cause: alertKey('address', 'telegram', String(existing._id)) });
  }
  if (dirty) await existing.save();
  return existing;
}

/**
 * Finds or creates the person behind a Telegram id; `created` tells whether this call created them. A
 * person who exists keeps their role (but for ADMIN_IDS). Two first contacts racing meet the unique
 * telegramId: exactly one of them creates.
 */
export async function ensurePerson(input: RegisterInput, defaults: RegisterDefaults): Promise<{ person: PersonDoc; created: boolean }> {
  const { name, username } = displayName(input);
  const isListedAdmin = defaults.adminIds.includes(input.telegramId);
  for (let attempt = 0; ; attempt++) {
    const existing = await PersonModel.findOne({ telegramId: input.telegramId });
    if (existing) return { person: await sync(existing, input, defaults.adminIds), created: false };
    try {
      const person = await PersonModel.create({
        telegramId: input.telegramId,
        name,
        username,
        role: isListedAdmin ? 'admin' : (defaults.role ?? 'member'),
        timezone: defaults.defaultTimezone,
        language: defaults.defaultLanguage,
      });
      return { person, created: true };
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 3) throw err;
    }
  }
}

/** {@link ensurePerson} without the `created` flag: the person behind a Telegram id (a member when new). */
export async function registerPerson(input: RegisterInput, defaults: RegisterDefaults): Promise<PersonDoc> {
  return (await ensurePerson(input, defaults)).person;
}

/**
 * The person behind a Telegram id if there is one (synced with Telegram), creating nobody: who may be
 * created on first contact is the caller's decision (see src/services/membership.ts).
 */
export async function findPerson(input: RegisterInput, adminIds: readonly number[]): Promise<PersonDoc | undefined> {
  const existing = await PersonModel.findOne({ telegramId: input.telegramId });
  return existing ? sync(existing, input, adminIds) : undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One line naming people for an admin: `Ivan (@ivan), Maria (id 42)`. */
export function namesOf(people: PersonDoc[]): string {
  return people.map((p) => `${p.name} (${p.username ? `@${p.username}` : `id ${p.telegramId}`})`).join(', ');
}

/** How a person is named in commands: `@username`, or the Telegram id when they have no username. */
export function personRef(p: Pick<PersonDoc, 'username' | 'telegramId'>): string {
  return p.username ? `@${p.username}` : String(p.telegramId);
}

/**
 * A person by `@username` or Telegram id only; undefined when nobody has it. Display names are anyone's to
 * choose (two people can both call themselves "Ann"), so a bare word is never taken for a person: it is
 * `person_ref_invalid`, listing the @usernames/ids of the people whose name or username it is, and the
 * caller changes nothing.
 */
export async function findPersonByRef(ref: string): Promise<PersonDoc | undefined> {
  const r = ref.trim();
  if (!r) return undefined;
  if (/^@[A-Za-z0-9_]{1,64}$/.test(r)) {
    // A username changed in Telegram stays on the old person until they write again: never pick one of two.
    const found = await PersonModel.find({ username: cleanUsername(r) })
      .sort({ _id: 1 })
      .limit(2);
    if (found.length > 1) throw new UserError('person_ambiguous', { ref: r, names: namesOf(found) });
    return found[0];
  }
  if (/^-?\d{1,15}$/.test(r)) {
    return (await PersonModel.findOne({ telegramId: Number(r) })) ?? undefined;
  }
  const candidates = await PersonModel.find({
    $or: [{ name: { $regex: `^${escapeRegExp(r)}$`, $options: 'i' } }, { username: r.toLowerCase() }],
  })
    .sort({ name: 1, telegramId: 1 })
    .limit(10);
  throw new UserError('person_ref_invalid', {
    ref: r,
    candidates: candidates.map((p) => `${p.name} ${personRef(p)}`).join(', '),
  });
}

/** Like {@link findPersonByRef}, but an unknown reference is a UserError. */
export async function requirePerson(ref: string): Promise<PersonDoc> {
  const p = await findPersonByRef(ref);
  if (!p) throw new UserError('person_not_found', { ref: ref.trim() });
  return p;
}

/** The person with this id; a UserError when there is none. */
export async function loadPerson(personId: PersonId): Promise<PersonDoc> {
  const p = await PersonModel.findById(personId);
  if (!p) throw new UserError('person_not_found', { ref: String(personId) });
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
  if (!zone) throw timeZoneError(raw);
  const p = await loadPerson(personId);
  p.timezone = zone;
  await p.save();
  return p;
}

/** Parses `HH:MM-HH:MM` into zero-padded times; undefined when malformed or empty (start = end). */
export { parseQuietHours };

/** Words after the range that make e-mail wait for quiet hours too. */
const EMAIL_WORDS = ['email', 'e-mail', 'mail', 'почта', 'почту'];

/**
 * Sets quiet hours from `HH:MM-HH:MM` (SMS wait), `HH:MM-HH:MM email` (e-mail waits too), or clears them
 * with `off`.
 */
export async function setQuietHours(personId: PersonId, raw: string): Promise<PersonDoc> {
  let value = raw.trim().toLowerCase();
  const word = EMAIL_WORDS.find((w) => value.endsWith(` ${w}`));
  if (word) value = value.slice(0, -word.length).trim();
  const p = await loadPerson(personId);
  if (isOff(value)) {
    p.quietHours = undefined;
    p.quietEmail = false;
  } else {
    const q = parseQuietHours(value);
    if (!q) throw new UserError('quiet_invalid', { value: raw.trim() });
    p.set('quietHours', q);
    p.quietEmail = Boolean(word);
  }
  await p.save();
  return p;
}

export async function setLanguage(personId: PersonId, raw: string): Promise<PersonDoc> {
  const lang = raw.trim().toLowerCase();
  if (!(LANGUAGES as readonly string[]).includes(lang)) throw new UserError('lang_invalid', { value: raw.trim() });
  const p = await loadPerson(personId);
  p.language = lang as Language;
  await p.save();
  return p;
}

/** Promotes or demotes; the last admin cannot be demoted. */
export async function setRole(personId: PersonId, role: Role): Promise<PersonDoc> {
  const p = await loadPerson(personId);
  if (p.role === role) return p;
  if (p.role === 'admin' && (await PersonModel.countDocuments({ role: 'admin' })) <= 1) {
    throw new UserError('last_admin', { name: p.name });
  }
  const demoted = p.role === 'admin';
  p.role = role;
  await p.save();
  // An admin's API tokens act with their rights: they end with them (revoked, not suspended).
  if (demoted) await revokeTokensOf(p._id);
  return p;
}

/** The team: members and admins (pending requests and removed people are listed by /members only). */
export async function listPeople(): Promise<PersonDoc[]> {
  return PersonModel.find({ role: { $in: ['member', 'admin'] } }).sort({ name: 1, telegramId: 1 });
}

export async function listAdmins(): Promise<PersonDoc[]> {
  return PersonModel.find({ role: 'admin' }).sort({ name: 1 });
}
