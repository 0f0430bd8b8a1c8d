/**
 * `npm run rotate-key`: re-encrypts the stored secrets with a new key.
 *
 *   SECRET_KEY=<current key> NEW_SECRET_KEY=<new key> MONGODB_URI=… npm run rotate-key
 *
 * Stop every taskwatch process first, and start them again with SECRET_KEY=<new key>. With the embedded
 * database (no MONGODB_URI) the current key comes from DATA_DIR/secret.key, and the new one is written there.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { SecretBox, loadOrCreateKeyFile } from '../secrets.js';
import { openDatabase, type Database } from '../db/connection.js';
import { rotateSecrets } from '../db/rotate-secrets.js';
import { explainStartupError } from '../startup-errors.js';

function fail(line: string, code = 1): never {
  process.stderr.write(`taskwatch rotate-key: ${line}\n`);
  process.exit(code);
}

async function rotate(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems.join('; '), 2);
    throw err;
  }
  const next = process.env.NEW_SECRET_KEY?.trim();
  if (!next || next.length < 16) fail('set NEW_SECRET_KEY to the new key (at least 16 characters; openssl rand -hex 32)', 2);
  const fromFile = !config.SECRET_KEY;
  if (fromFile && config.MONGODB_URI) fail('set SECRET_KEY to the current key (the one every process runs with now)', 2);
  const current = config.SECRET_KEY ?? loadOrCreateKeyFile(config.DATA_DIR).key;
  if (current === next) fail('NEW_SECRET_KEY is the current key: nothing to do', 2);

  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  let db: Database | undefined;
  try {
    db = await openDatabase({ uri: config.MONGODB_URI, dataDir: config.DATA_DIR }, logger);
    const r = await rotateSecrets(new SecretBox(current), new SecretBox(next));
    if (fromFile) writeFileSync(path.join(config.DATA_DIR, 'secret.key'), `${next}\n`, { mode: 0o600 });
    process.stdout.write(
      `taskwatch rotate-key: re-encrypted ${r.settings.length ? r.settings.join(', ') : 'no stored settings secrets'} ` +
        `and ${r.conversations} conversation(s) in progress with the new key. ` +
        (fromFile ? `It is in ${config.DATA_DIR}/secret.key.\n` : 'Start every process with SECRET_KEY=<the new key>.\n'),
    );
  } catch (err) {
    const line = explainStartupError(err, { mongoUri: config.MONGODB_URI });
    if (line === undefined) throw err;
    fail(line.replace(/^SECRET_KEY is not the key/, 'SECRET_KEY (the current key) is not the key'));
  } finally {
    await db?.close();
  }
}

await rotate();
