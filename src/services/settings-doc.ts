/** The one Settings document (`_id: 'global'`). */
import { SETTINGS_ID, SettingsModel } from '../db/models/index.js';
import { isDuplicateKey } from '../db/claims.js';
import type { SettingsDoc } from './docs.js';

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

/** Saves the document with `version` bumped, so that workers rebuild their transports. */
export async function saveBumped(doc: SettingsDoc): Promise<SettingsDoc> {
  doc.version = (doc.version ?? 0) + 1;
  await doc.save();
  return doc;
}
