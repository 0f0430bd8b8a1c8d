/**
 * A person's own e-mail and phone count only once confirmed: `/email x` sends a six-digit code to x, and
 * x becomes their address when they send the code back within {@link CODE_TTL_MS}. Until then nothing goes
 * to x and no lookup finds it (it waits in `pendingEmail`/`pendingPhone`). Every limit is shared by all
 * processes (slots, src/db/slots.ts): codes a person may ask for in an hour, wrong codes per code, and codes
 * by SMS a day for the whole deployment (they cost money; `/queue` shows the count).
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../secrets.js';
import { PersonModel, type PersonDoc } from '../db/models/index.js';
import { countSlots, databaseSlots } from '../db/slots.js';
import { WindowLimiter } from '../db/shared-limits.js';
import { sendOneOff } from '../delivery/one-off.js';
import { UserError } from '../domain/errors.js';
import { texts } from '../i18n/index.js';
import { assertContactFree, normaliseContact, PENDING_FIELD, sameContact, setContact, type ContactKind } from './contacts.js';

/** How long a code works. */
export const CODE_TTL_MS = 15 * 60_000;
/** Wrong codes accepted per code sent; then the pending contact is dropped. */
export const CODE_MAX_TRIES = 5;
/** Codes one person may ask for per contact kind in an hour. */
export const CODES_PER_HOUR = 5;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface CodeDeps {
  config: Config;
  secrets: SecretBox;
  logger: Logger;
  now?: () => number;
}

const CHANNEL = { email: 'email', phone: 'sms' } as const;

function hashOf(person: PersonDoc, kind: ContactKind, value: string, code: string): string {
  return createHash('sha256')
    .update(`${String(person._id)}\n${kind}\n${value}\n${code}`)
    .digest('hex');
}

const limiters = new Map<string, WindowLimiter>();
function limiter(name: string, perWindow: number, windowMs: number, now: () => number): WindowLimiter {
  const key = `${name}:${perWindow}:${windowMs}`;
  let l = limiters.get(key);
  if (!l) limiters.set(key, (l = new WindowLimiter(name, perWindow, windowMs, databaseSlots, now)));
  return l;
}

/** Prefix of the slots of SMS codes sent on the day of `at` (see {@link codeSmsToday}). */
function smsDayPrefix(at: number): string {
  return `codesms:all:${Math.floor(at / DAY_MS)}:`;
}

/**
 * Sends a code to `raw` for `person`'s own `kind` and keeps it pending. Refused (UserError, nothing sent or
 * changed) when it is not an address, is theirs already, belongs to someone else, or a limit is reached.
 */
export async function requestCode(
  person: PersonDoc,
  kind: ContactKind,
  raw: string,
  deps: CodeDeps,
): Promise<{ value: string; expiresAt: Date }> {
  const now = deps.now ?? Date.now;
  const value = await normaliseContact(kind, raw);
  if (sameContact(kind, person[kind], value)) throw new UserError('contact_unchanged', { kind, value });
  await assertContactFree(kind, value, person._id, false);
  const perPerson = await limiter('code', CODES_PER_HOUR, HOUR_MS, now).hit(`${kind}:${String(person._id)}`);
  if (perPerson.verdict !== 'ok')
    throw new UserError('code_too_many', { minutes: Math.ceil(perPerson.resetInMs / 60_000), max: CODES_PER_HOUR });
  if (kind === 'phone') {
    if (deps.config.CODE_SMS_PER_DAY === 0) throw new UserError('code_sms_off');
    const day = await limiter('codesms', deps.config.CODE_SMS_PER_DAY, DAY_MS, now).hit('all');
    if (day.verdict !== 'ok') throw new UserError('code_sms_day_limit');
  }
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const t = texts(person.language);
  const minutes = CODE_TTL_MS / 60_000;
  await sendOneOff(
    CHANNEL[kind],
    value,
    kind === 'email'
      ? { subject: t.codeLetterSubject(code), text: t.codeLetterBody(person.name, code, minutes) }
      : { text: t.codeSms(code, minutes) },
    deps,
  );
  const expiresAt = new Date(now() + CODE_TTL_MS);
  await PersonModel.updateOne(
    { _id: person._id },
    { $set: { [PENDING_FIELD[kind]]: { value, codeHash: hashOf(person, kind, value, code), expiresAt } } },
  );
  return { value, expiresAt };
}

/**
 * Confirms whichever pending contact of `person` the code `raw` was sent to: it becomes their e-mail or
 * phone (if nobody else took it meanwhile). A wrong code counts against {@link CODE_MAX_TRIES}.
 */
export async function confirmCode(
  person: PersonDoc,
  raw: string,
  deps: Pick<CodeDeps, 'now'> = {},
): Promise<{ kind: ContactKind; person: PersonDoc }> {
  const now = (deps.now ?? Date.now)();
  const code = raw.replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(code)) throw new UserError('code_form');
  const fresh = await PersonModel.findById(person._id);
  if (!fresh) throw new UserError('person_not_found', { ref: String(person._id) });
  const pending = (['email', 'phone'] as const).flatMap((kind) => {
    const p = fresh[PENDING_FIELD[kind]];
    return p ? [{ kind, value: p.value, codeHash: p.codeHash, expiresAt: p.expiresAt }] : [];
  });
  if (pending.length === 0) throw new UserError('code_none');
  const live = pending.filter((p) => p.expiresAt.getTime() > now);
  if (live.length === 0) {
    await PersonModel.updateOne({ _id: fresh._id }, { $unset: { pendingEmail: 1, pendingPhone: 1 } });
    throw new UserError('code_expired');
  }
  // Every try takes a numbered slot of these codes: exact across processes, so 5 means 5.
  const tries = `codetry:${live.map((p) => p.codeHash.slice(0, 16)).join(':')}:`;
  const until = Math.max(...live.map((p) => p.expiresAt.getTime()));
  let left = -1;
  for (let k = 0; k < CODE_MAX_TRIES; k++) {
    if (await databaseSlots.take(`${tries}${k}`, until)) {
      left = CODE_MAX_TRIES - 1 - k;
      break;
    }
  }
  const unset = Object.fromEntries(live.map((p) => [PENDING_FIELD[p.kind], 1]));
  if (left < 0) {
    await PersonModel.updateOne({ _id: fresh._id }, { $unset: unset });
    throw new UserError('code_tries_used');
  }
  const match = live.find((p) => timingSafeEqual(Buffer.from(p.codeHash, 'hex'), Buffer.from(hashOf(fresh, p.kind, p.value, code), 'hex')));
  if (!match) {
    if (left > 0) throw new UserError('code_wrong', { left });
    await PersonModel.updateOne({ _id: fresh._id }, { $unset: unset });
    throw new UserError('code_tries_used');
  }
  return { kind: match.kind, person: await setContact(match.kind, fresh._id, match.value, { reveal: false }) };
}

/** Codes sent by SMS today (UTC) and the day's limit, for `/queue`. */
export async function codeSmsToday(config: Pick<Config, 'CODE_SMS_PER_DAY'>, now = Date.now()): Promise<{ sent: number; limit: number }> {
  return { sent: await countSlots(smsDayPrefix(now)), limit: config.CODE_SMS_PER_DAY };
}
