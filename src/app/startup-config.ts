/**
 * What a process is asked to be, read before anything starts: its role (`--role=` or TASKWATCH_ROLE), the
 * configuration, and the key that encrypts stored secrets. A mistake there ends the process with exit code 2
 * and one line on stderr.
 */
import { BOT_TOKEN_HINT, ConfigError, loadConfig, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import { loadOrCreateKeyFile } from '../secrets.js';

export type Role = 'all' | 'bot' | 'worker';

function parseRole(argv: string[]): Role {
  const arg = argv.find((a) => a.startsWith('--role='));
  const role = arg?.slice('--role='.length) ?? process.env.TASKWATCH_ROLE ?? 'all';
  if (role !== 'all' && role !== 'bot' && role !== 'worker') {
    throw new ConfigError([`--role must be all, bot or worker (got "${role}")`]);
  }
  return role;
}

/** The role and the configuration; exits 2 with the problem when either is wrong. */
export function readStartup(argv: string[], env: NodeJS.ProcessEnv): { role: Role; config: Config } {
  try {
    const role = parseRole(argv);
    const config = loadConfig(env);
    if (role !== 'worker' && !config.BOT_TOKEN) throw new ConfigError([BOT_TOKEN_HINT]);
    return { role, config };
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`taskwatch: ${err.problems.length === 1 ? err.problems[0] : err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** The key that encrypts stored secrets: SECRET_KEY, or with the embedded default a generated key file. */
function resolveSecretKey(config: Config, logger: Logger): string {
  if (config.SECRET_KEY) return config.SECRET_KEY;
  if (config.MONGODB_URI) {
    throw new ConfigError([
      'SECRET_KEY is not set. It encrypts the SMTP password and SMS keys in the database; every process ' +
        'of one installation needs the same value. Generate one with: openssl rand -hex 32',
    ]);
  }
  const { key, created } = loadOrCreateKeyFile(config.DATA_DIR);
  logger.info(
    { file: `${config.DATA_DIR}/secret.key` },
    created
      ? 'SECRET_KEY is not set: generated a key for the embedded database (keep this file; set SECRET_KEY for a real deployment)'
      : 'SECRET_KEY is not set: using the key file of the embedded database',
  );
  return key;
}

/** {@link resolveSecretKey}, or exit 2 with why not. */
export function secretKeyOrExit(config: Config, logger: Logger): string {
  try {
    return resolveSecretKey(config, logger);
  } catch (err) {
    process.stderr.write(`taskwatch: ${err instanceof ConfigError ? err.problems[0] : (err as Error).message}\n`);
    process.exit(2);
  }
}
