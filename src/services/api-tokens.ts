/**
 * Bearer tokens of the integration API (`/api new|list|revoke` in the bot). A token is `tw_` and 43
 * base64url characters (256 random bits); only its SHA-256 is stored. A token acts with the rights of the
 * admin who made it, and only while that person is still an admin.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { ApiTokenModel, PersonModel, type PersonDoc } from '../db/models/index.js';
import { isDuplicateKey } from '../db/duplicate-key.js';

export type ApiScope = 'read' | 'write';

const NAME_RE = /^[A-Za-z0-9_.-]{1,40}$/;
const TOKEN_RE = /^tw_[A-Za-z0-9_-]{43}$/;

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export type NewTokenResult =
  { ok: true; token: string; name: string; scope: ApiScope } | { ok: false; reason: 'name_invalid' | 'scope_invalid' | 'name_taken' };

/** Parses `<name> [read|write]` (default read) and makes the token; the clear token is returned once. */
export async function createApiToken(name: string, scopeWord: string | undefined, createdBy: Types.ObjectId): Promise<NewTokenResult> {
  if (!NAME_RE.test(name)) return { ok: false, reason: 'name_invalid' };
  const scope = (scopeWord ?? 'read').toLowerCase();
  if (scope !== 'read' && scope !== 'write') return { ok: false, reason: 'scope_invalid' };
  const token = `tw_${randomBytes(32).toString('base64url')}`;
  try {
    await ApiTokenModel.create({ name, nameKey: name, hash: hashApiToken(token), scope, createdBy, createdAt: new Date() });
  } catch (err) {
    if (isDuplicateKey(err)) return { ok: false, reason: 'name_taken' };
    throw err;
  }
  return { ok: true, token, name, scope };
}

export interface TokenSummary {
  name: string;
  scope: ApiScope;
  createdByName: string;
  createdAt: Date;
  lastUsedAt?: Date;
}

/** Tokens in force, by name. */
export async function listApiTokens(): Promise<TokenSummary[]> {
  const tokens = await ApiTokenModel.find({ revokedAt: null }).sort({ name: 1 }).lean();
  const people = await PersonModel.find({ _id: { $in: tokens.map((t) => t.createdBy) } }, { name: 1 }).lean();
  const names = new Map(people.map((p) => [String(p._id), p.name]));
  return tokens.map((t) => ({
    name: t.name,
    scope: t.scope,
    createdByName: names.get(String(t.createdBy)) ?? '?',
    createdAt: t.createdAt,
    ...(t.lastUsedAt ? { lastUsedAt: t.lastUsedAt } : {}),
  }));
}

/** Revokes the token in force called `name`; false when there is none. Takes effect on the next request. */
export async function revokeApiToken(name: string, now = new Date()): Promise<boolean> {
  const t = await ApiTokenModel.findOne({ nameKey: name, revokedAt: null });
  if (!t) return false;
  t.revokedAt = now;
  t.nameKey = `${t.name}#${String(t._id)}`;
  await t.save();
  return true;
}

/**
 * Revokes every token `personId` made (they are no longer an admin): revoked, not suspended, so that making
 * them admin again does not bring old tokens back. Returns how many.
 */
export async function revokeTokensOf(personId: Types.ObjectId | string, now = new Date()): Promise<number> {
  const tokens = await ApiTokenModel.find({ createdBy: personId, revokedAt: null });
  for (const t of tokens) {
    t.revokedAt = now;
    t.nameKey = `${t.name}#${String(t._id)}`;
    await t.save();
  }
  return tokens.length;
}

export type TokenCheck =
  | { ok: true; token: { id: string; name: string; scope: ApiScope }; admin: PersonDoc }
  /** `unknown`: no such token, or revoked (401); `not_admin`: its maker is no longer an admin (403). */
  | { ok: false; reason: 'unknown' | 'not_admin' };

/** Who a bearer token acts as, read afresh on every request. */
export async function checkApiToken(token: string): Promise<TokenCheck> {
  if (!TOKEN_RE.test(token)) return { ok: false, reason: 'unknown' };
  const t = await ApiTokenModel.findOne({ hash: hashApiToken(token) });
  if (!t || t.revokedAt) return { ok: false, reason: 'unknown' };
  const admin = await PersonModel.findById(t.createdBy);
  if (!admin || admin.role !== 'admin') {
    // Demoted by a path that did not revoke them (removed from the team, or an older version): now.
    await revokeTokensOf(t.createdBy);
    return { ok: false, reason: 'not_admin' };
  }
  // At most one write a minute per token: every update costs time on FerretDB.
  if (!t.lastUsedAt || Date.now() - t.lastUsedAt.getTime() > 60_000) {
    await ApiTokenModel.updateOne({ _id: t._id }, { $set: { lastUsedAt: new Date() } });
  }
  return { ok: true, token: { id: String(t._id), name: t.name, scope: t.scope }, admin };
}
