/** The one Settings document (`_id: 'global'`), and its versioned saves. */
import { SETTINGS_ID, SettingsModel } from '../db/models/index.js';
import { claimKey, isDuplicateKey, releaseKeys, releaseStaleClaims } from '../db/claims.js';
import type { SettingsDoc } from './docs.js';
import { UserError } from './errors.js';

export type { SettingsDoc };

/** The Settings document, created on first use. */
export async function getSettings(): Promise<SettingsDoc> {
  for (let attempt = 0; ; attempt++) {
    const doc = await SettingsModel.findById(SETTINGS_ID);
    if (doc) return doc;
    try {
      return await SettingsModel.create({ _id: SETTINGS_ID });
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 3) throw err;
    }
  }
}

/** The version the settings are at now (a conversation notes it at its start). */
export async function settingsVersion(): Promise<number> {
  return (await getSettings()).version ?? 0;
}

/**
 * Saves the document as version `n + 1`, `n` being the version it was read at. Two saves racing from
 * the same version meet at the claim `settings-version:<n + 1>` (a unique insert: FerretDB updates are not
 * atomic, so a conditional update could let both through); the loser — and a save whose reader saw an
 * older `expectedVersion` than the stored one — is a `settings_conflict` UserError and changes nothing.
 * Workers rebuild their transports when the version moves.
 */
export async function saveBumped(doc: SettingsDoc, expectedVersion?: number, now = new Date()): Promise<SettingsDoc> {
  const read = doc.version ?? 0;
  if (expectedVersion !== undefined && expectedVersion !== read) throw new UserError('settings_conflict');
  const key = `settings-version:${read + 1}`;
  // A claim left by a process that died before its save would block every later save: the stored
  // version is still `read`, so a claim on `read + 1` older than a save can take is given up.
  await releaseStaleClaims([key], new Date(now.getTime() - STALE_CLAIM_MS));
  if (!(await claimKey(key, 'settings', now))) throw new UserError('settings_conflict');
  doc.version = read + 1;
  try {
    await doc.save();
  } catch (err) {
    await releaseKeys([key]);
    throw err;
  }
  return doc;
}

/** A save takes milliseconds; a claim on the next version this old belongs to a save that never came. */
const STALE_CLAIM_MS = 60_000;
