/**
 * Re-encrypts every stored secret with a new SECRET_KEY: the SMTP password, the SMS gateway's secret, the
 * secret answers of conversations in progress, and the key check. Run with every taskwatch process stopped
 * (src/cli/rotate-key.ts); nothing is written unless every secret opened with the old key.
 */
import { SessionModel, SettingsModel, SETTINGS_ID } from './models/index.js';
import { KeyCheckModel } from './models/key-check.js';
import { checkSecretKey } from './key-check.js';

interface Box {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

export interface RotationResult {
  /** Settings fields re-encrypted (smtp.passwordEnc, sms.secretEnc). */
  settings: string[];
  /** Conversations whose secret answers were re-encrypted. */
  conversations: number;
}

interface WizardData {
  __scenes?: { state?: { values?: Record<string, string>; secret?: string[] } };
}

export async function rotateSecrets(oldBox: Box, newBox: Box): Promise<RotationResult> {
  // Refuses (StartupError) when the old key is not the one the database was sealed with.
  await checkSecretKey(oldBox);
  const again = (stored: string) => newBox.encrypt(oldBox.decrypt(stored));

  const settings = await SettingsModel.findById(SETTINGS_ID).lean();
  const set: Record<string, string> = {};
  if (settings?.smtp?.passwordEnc) set['smtp.passwordEnc'] = again(settings.smtp.passwordEnc);
  if (settings?.sms?.secretEnc) set['sms.secretEnc'] = again(settings.sms.secretEnc);

  const sessions = await SessionModel.find().lean<Array<{ _id: string; data?: WizardData }>>();
  const conversations: Array<{ _id: string; data: WizardData }> = [];
  for (const s of sessions) {
    const state = s.data?.__scenes?.state;
    if (!state?.secret?.length || !state.values) continue;
    for (const k of state.secret) if (state.values[k] !== undefined) state.values[k] = again(state.values[k]);
    conversations.push({ _id: s._id, data: s.data! });
  }
  const sealed = (await KeyCheckModel.findById('secret-key').lean())!;

  // Everything opened with the old key: now write.
  if (Object.keys(set).length) await SettingsModel.updateOne({ _id: SETTINGS_ID }, { $set: set, $inc: { version: 1 } });
  for (const c of conversations) await SessionModel.updateOne({ _id: c._id }, { $set: { data: c.data } });
  await KeyCheckModel.updateOne({ _id: sealed._id }, { $set: { sealed: again(sealed.sealed), at: new Date() } });
  return { settings: Object.keys(set), conversations: conversations.length };
}
