/** Start-up check that SECRET_KEY is the key the database's secrets were stored with. */
import { KeyCheckModel } from './models/key-check.js';
import { isDuplicateKey } from './duplicate-key.js';
import { StartupError } from '../startup-errors.js';

const ID = 'secret-key';
const PLAIN = 'taskwatch secret key check';

interface Box {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

export const WRONG_KEY_HINT =
  'SECRET_KEY is not the key the SMTP password and SMS keys in this database were saved with: start every process with that ' +
  'key (keep it with your backups).';

/**
 * The first start on a database seals a known text with the key; every later start must open it, or it
 * stops with {@link WRONG_KEY_HINT} instead of failing later, secret by secret, in the middle of a run.
 */
export async function checkSecretKey(box: Box): Promise<void> {
  let stored = await KeyCheckModel.findById(ID).lean();
  if (!stored) {
    try {
      await KeyCheckModel.create({ _id: ID, sealed: box.encrypt(PLAIN), at: new Date() });
      return;
    } catch (err) {
      // Another process sealed it first: check against theirs.
      if (!isDuplicateKey(err)) throw err;
      stored = await KeyCheckModel.findById(ID).lean();
    }
  }
  let opened: string | undefined;
  try {
    opened = box.decrypt(stored!.sealed);
  } catch {
    opened = undefined;
  }
  if (opened !== PLAIN) throw new StartupError(WRONG_KEY_HINT);
}
