/**
 * Start-up failures a person can fix, each as one line that says what is wrong and what to do; anything
 * else stays a logged fatal error with its stack. `main` prints the line, exits 1, and shows the stack only
 * at LOG_LEVEL=debug.
 */
import { redactUri } from './logger.js';

/** A failure whose message is already the one line to print. */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

export const NO_INTERNET_HINT =
  'Without internet, run a MongoDB server (or FerretDB) yourself and start with MONGODB_URI=mongodb://127.0.0.1:27017/taskwatch ' +
  'and SECRET_KEY=$(openssl rand -hex 32).';

interface StartupContext {
  /** MONGODB_URI as configured; undefined with the embedded database. */
  mongoUri?: string | undefined;
  /** What to do without internet, when not {@link NO_INTERNET_HINT} (the demo needs no SECRET_KEY). */
  noInternetHint?: string;
}

function reasonOf(err: unknown): string {
  const e = err as { message?: unknown; cause?: { message?: unknown } };
  const text = typeof e?.message === 'string' ? e.message : String(err);
  return (
    text
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? text
  );
}

/** The one line for a known start-up failure, or undefined for anything else. */
export function explainStartupError(err: unknown, ctx: StartupContext): string | undefined {
  if (err instanceof StartupError) return err.message;
  const e = err as { name?: string; code?: unknown; response?: { error_code?: number; description?: string } };
  // Libraries' error classes often leave `name` as 'Error': the constructor names them.
  const names = [e?.name, (err as object | undefined)?.constructor?.name];
  const is = (n: string) => names.includes(n);

  if (is('DownloadError')) {
    return `could not download MongoDB for the embedded database (${downloadReason(err)}). ${ctx.noInternetHint ?? NO_INTERNET_HINT}`;
  }
  if (is('MongooseServerSelectionError') || is('MongoServerSelectionError')) {
    const where = ctx.mongoUri ? redactUri(ctx.mongoUri) : 'the embedded database';
    return `cannot reach MongoDB at ${where} (${reasonOf(err)}). Check that the server runs and that MONGODB_URI names it.`;
  }
  if (is('MongoParseError')) {
    return `MONGODB_URI is not a valid connection string (${reasonOf(err)}); it looks like mongodb://user:password@host:27017/taskwatch.`;
  }
  if ((is('MongoServerError') && e.code === 18) || /Authentication failed/i.test(reasonOf(err))) {
    return 'MongoDB refused the user name or password in MONGODB_URI: check them (and authSource=admin if the user lives there).';
  }
  if (is('TelegramError') && (e.response?.error_code === 401 || e.response?.error_code === 404)) {
    return (
      `Telegram refused BOT_TOKEN (${e.response.error_code} ${e.response.description ?? ''}`.trimEnd() +
      '): the token was revoked or mistyped. Take the current one from @BotFather (/mybots → your bot → API Token) and start again.'
    );
  }
  return undefined;
}

/** Why a download failed, without the long URL: `getaddrinfo ENOTFOUND fastdl.mongodb.org` → no internet. */
function downloadReason(err: unknown): string {
  const text = (err as Error).message ?? '';
  const details = /Details:\s*([\s\S]*)$/.exec(text)?.[1]?.trim() ?? reasonOf(err);
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ENETUNREACH|ETIMEDOUT|timeout/i.test(details)) return `no internet: ${details}`;
  return details;
}
