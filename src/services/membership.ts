/**
 * Membership: who may use taskwatch. Invite links (codes stored hashed, uses counted by unique slot
 * inserts), join requests decided once, and removal. Plain functions over the models, no telegraf.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import {
  DecisionModel,
  DeliveryModel,
  InviteModel,
  InviteUseModel,
  ObserverModel,
  PersonModel,
  SessionModel,
  nextSequence,
  type PersonDoc,
} from '../db/models/index.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { isMemberRole, type RegistrationMode } from '../domain/types.js';
import { ensurePerson, findPerson, type RegisterDefaults, type RegisterInput } from './people.js';
import { UserError } from '../domain/errors.js';
import { linkPerson } from './telegram-link.js';

/** Random bytes of an invite code: 192 bits, 32 base64url characters (Telegram allows 64 in `start`). */
const CODE_BYTES = 24;
const CODE_RE = /^[A-Za-z0-9_-]{32}$/;

/** Whether `code` has the shape of an invite code (`/start <code>`); says nothing of whether it is valid. */
export function isInviteCodeShape(code: string): boolean {
  return CODE_RE.test(code);
}

/** Bounds of `/invite [uses] [days]`. */
export const INVITE_LIMITS = { maxUses: 1000, maxDays: 365, defaultUses: 1, defaultDays: 7 } as const;

export function hashInviteCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

export interface NewInvite {
  number: number;
  /** The only time the code exists in clear: it goes into the link and nowhere else. */
  code: string;
  maxUses: number;
  expiresAt: Date;
}

/** Parses `[uses] [days]` of `/invite`; bad values are a UserError that says the bounds. */
export function parseInviteArgs(words: string[]): { uses: number; days: number } {
  const num = (raw: string | undefined, fallback: number, max: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isInteger(n) || n < 1 || n > max) {
      throw new UserError('invite_args_invalid', { value: raw, maxUses: INVITE_LIMITS.maxUses, maxDays: INVITE_LIMITS.maxDays });
    }
    return n;
  };
  if (words.length > 2)
    throw new UserError('invite_args_invalid', { value: words.join(' '), maxUses: INVITE_LIMITS.maxUses, maxDays: INVITE_LIMITS.maxDays });
  return {
    uses: num(words[0], INVITE_LIMITS.defaultUses, INVITE_LIMITS.maxUses),
    days: num(words[1], INVITE_LIMITS.defaultDays, INVITE_LIMITS.maxDays),
  };
}

export async function createInvite(createdBy: Types.ObjectId, uses: number, days: number, now = new Date()): Promise<NewInvite> {
  const code = randomBytes(CODE_BYTES).toString('base64url');
  const number = await nextSequence('invite');
  const expiresAt = new Date(now.getTime() + days * 24 * 3600_000);
  await InviteModel.create({ number, hash: hashInviteCode(code), maxUses: uses, expiresAt, createdBy, createdAt: now });
  return { number, code, maxUses: uses, expiresAt };
}

export interface InviteSummary {
  number: number;
  usesLeft: number;
  maxUses: number;
  expiresAt: Date;
  createdByName: string;
}

/** Invites that can still be used (not revoked, not expired, uses left), oldest first. */
export async function listInvites(now = new Date()): Promise<InviteSummary[]> {
  const invites = await InviteModel.find({ revokedAt: null, expiresAt: { $gt: now } })
    .sort({ number: 1 })
    .lean();
  const out: InviteSummary[] = [];
  for (const inv of invites) {
    const used = await InviteUseModel.countDocuments({ invite: inv.number });
    if (used >= inv.maxUses) continue;
    const by = await PersonModel.findById(inv.createdBy, { name: 1 }).lean();
    out.push({
      number: inv.number,
      usesLeft: inv.maxUses - used,
      maxUses: inv.maxUses,
      expiresAt: inv.expiresAt,
      createdByName: by?.name ?? '?',
    });
  }
  return out;
}

/** Revokes invite `number`; false when there is no such invite or it was revoked already. */
export async function revokeInvite(number: number, now = new Date()): Promise<boolean> {
  const inv = await InviteModel.findOne({ number });
  if (!inv || inv.revokedAt) return false;
  inv.revokedAt = now;
  await inv.save();
  return true;
}

/** `removed`: the person was removed from the team; an invite does not bring them back. */
export type RedeemResult = { ok: true; person: PersonDoc } | { ok: false; removed?: boolean };

/**
 * Makes the person behind `input` a member with invite `code`. An unknown, revoked, expired or used-up
 * code changes nothing (`ok: false`, whatever the reason: the caller says the same in every case). Each
 * use takes a slot `<invite>:<k>` by unique insert, so two people racing for the last use cannot both win.
 */
export async function redeemInvite(
  code: string,
  input: RegisterInput,
  defaults: RegisterDefaults,
  now = new Date(),
): Promise<RedeemResult> {
  if (!CODE_RE.test(code)) return { ok: false };
  const inv = await InviteModel.findOne({ hash: hashInviteCode(code) }).lean();
  if (!inv || inv.revokedAt || inv.expiresAt <= now) return { ok: false };
  const current = await findPerson(input, defaults.adminIds);
  if (current && isMemberRole(current.role)) return { ok: true, person: current };
  // A removal outlasts invite links: only an admin lets the person back (/readmit).
  if (current?.role === 'blocked') return { ok: false, removed: true };
  const used = await InviteUseModel.countDocuments({ invite: inv.number });
  for (let slot = used + 1; slot <= inv.maxUses; slot++) {
    try {
      await InviteUseModel.create({ _id: `${inv.number}:${slot}`, invite: inv.number, telegramId: input.telegramId, at: now });
    } catch (err) {
      if (isDuplicateKey(err)) continue;
      throw err;
    }
    if (inv.person) {
      const linked = await linkPerson(inv.person, input);
      if (!linked.ok) await InviteUseModel.deleteOne({ _id: `${inv.number}:${slot}` });
      return linked;
    }
    const { person } = await ensurePerson(input, { ...defaults, role: 'member' });
    if (!isMemberRole(person.role)) {
      person.role = 'member';
      await person.save();
    }
    return { ok: true, person };
  }
  return { ok: false };
}

export type JoinOutcome =
  /** A new request: tell the admins (exactly one caller per person gets this). */
  | { kind: 'requested'; person: PersonDoc }
  /** Asked before and still waiting. */
  | { kind: 'waiting'; person: PersonDoc }
  /** Refused or removed earlier, or registration does not take requests. */
  | { kind: 'refused' };

/** A stranger's `/start`: in `request` mode they become pending, and the first such call says so. */
export async function requestToJoin(input: RegisterInput, defaults: RegisterDefaults, mode: RegistrationMode): Promise<JoinOutcome> {
  const existing = await findPerson(input, defaults.adminIds);
  if (existing?.role === 'pending') return { kind: 'waiting', person: existing };
  if (existing || mode !== 'request') return { kind: 'refused' };
  const { person, created } = await ensurePerson(input, { ...defaults, role: 'pending' });
  if (created) return { kind: 'requested', person };
  return person.role === 'pending' ? { kind: 'waiting', person } : { kind: 'refused' };
}

export type DecideResult = { kind: 'decided'; person: PersonDoc } | { kind: 'already' } | { kind: 'gone' };

/**
 * Approves (member) or denies (blocked) the join request of `personId`, once: the first admin's decision
 * is inserted under `join:<person>`; a later press, by anyone, is told it was decided already.
 */
export async function decideJoin(personId: string, approve: boolean, by: Types.ObjectId, now = new Date()): Promise<DecideResult> {
  const person = await PersonModel.findById(personId).catch(() => null);
  if (!person) return { kind: 'gone' };
  if (person.role !== 'pending') return { kind: 'already' };
  try {
    await DecisionModel.create({ _id: `join:${String(person._id)}`, outcome: approve ? 'approved' : 'denied', by, at: now });
  } catch (err) {
    if (isDuplicateKey(err)) return { kind: 'already' };
    throw err;
  }
  person.role = approve ? 'member' : 'blocked';
  await person.save();
  return { kind: 'decided', person };
}

/**
 * Ends a membership: the person is blocked, their subscriptions and any conversation are deleted and
 * what was waiting to be sent to them is skipped. The history of their changes stays.
 */
/** Lets a removed person back into the team (an admin's /readmit): a member again, without old subscriptions. */
export async function readmitMember(person: PersonDoc): Promise<void> {
  person.role = 'member';
  await person.save();
}

export async function removeMember(person: PersonDoc): Promise<void> {
  person.role = 'blocked';
  await person.save();
  await ObserverModel.deleteMany({ person: person._id });
  await SessionModel.deleteMany({ _id: { $regex: `^${person.telegramId}:` } });
  await DeliveryModel.updateMany(
    { person: person._id, status: 'pending' },
    { $set: { status: 'skipped', lastError: 'not a member any more', updatedAt: new Date() } },
  );
}

export interface Roster {
  members: PersonDoc[];
  pending: PersonDoc[];
  blocked: PersonDoc[];
}

export async function listRoster(): Promise<Roster> {
  const all = await PersonModel.find().sort({ name: 1, telegramId: 1 });
  return {
    members: all.filter((p) => isMemberRole(p.role)),
    pending: all.filter((p) => p.role === 'pending'),
    blocked: all.filter((p) => p.role === 'blocked'),
  };
}
