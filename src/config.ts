import { z } from 'zod';
import { defaults } from '../config/defaults.js';

const positiveInt = (hint: string) => z.coerce.number({ error: hint }).int(hint).positive(hint);

const url = (name: string) => z.url({ protocol: /^https?$/, error: `${name} must be an http(s) URL such as https://example.org` });

const schema = z.object({
  BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]{20,}$/, 'BOT_TOKEN looks wrong: it has the form 123456789:AA…, as @BotFather gives it')
    .optional(),
  TELEGRAM_API_ROOT: url('TELEGRAM_API_ROOT'),
  TELEGRAM_WEBHOOK_URL: url('TELEGRAM_WEBHOOK_URL').optional(),
  PUBLIC_URL: url('PUBLIC_URL').optional(),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters (e.g. openssl rand -hex 16)').optional(),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'MONGODB_URI must start with mongodb:// or mongodb+srv://')
    .optional(),
  ADMIN_IDS: z
    .string()
    .default('')
    .refine((s) => s.split(',').every((p) => p.trim() === '' || /^\d+$/.test(p.trim())), {
      message: 'ADMIN_IDS must be Telegram user ids separated by commas, e.g. 12345,67890',
    })
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
        .map(Number),
    ),
  SECRET_KEY: z.string().min(16, 'SECRET_KEY must be at least 16 characters; generate one with: openssl rand -hex 32').optional(),
  HTTP_PORT: z
    .string()
    .regex(/^\d+$/, 'HTTP_PORT must be a port number 0..65535')
    .pipe(z.coerce.number())
    .pipe(z.number().int().min(0, 'HTTP_PORT must be 0..65535').max(65535, 'HTTP_PORT must be 0..65535')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  }),
  DEFAULT_TIMEZONE: z.string().refine(isTimeZone, {
    message: 'DEFAULT_TIMEZONE must be an IANA time zone such as Europe/Moscow',
  }),
  DEFAULT_LANGUAGE: z.enum(['ru', 'en'], { error: 'DEFAULT_LANGUAGE must be ru or en' }),
  DATA_DIR: z.string().min(1),
  SMSRU_BASE_URL: url('SMSRU_BASE_URL'),
  SMSC_BASE_URL: url('SMSC_BASE_URL'),
  SMSAERO_BASE_URL: url('SMSAERO_BASE_URL'),
  TWILIO_BASE_URL: url('TWILIO_BASE_URL'),
  DISPATCH_BATCH: positiveInt('DISPATCH_BATCH must be a positive whole number'),
  DISPATCH_CONCURRENCY: positiveInt('DISPATCH_CONCURRENCY must be a positive whole number'),
  OUTCOME_WRITES: positiveInt('OUTCOME_WRITES must be a positive whole number (outcome writes in flight at once)'),
  LEASE_MS: positiveInt('LEASE_MS must be a positive number of milliseconds'),
  MAX_ATTEMPTS: positiveInt('MAX_ATTEMPTS must be a positive whole number'),
  RETRY_BASE_MS: positiveInt('RETRY_BASE_MS must be a positive number of milliseconds'),
  RETRY_MAX_MS: positiveInt('RETRY_MAX_MS must be a positive number of milliseconds'),
  HTTP_TIMEOUT_MS: positiveInt('HTTP_TIMEOUT_MS must be a positive number of milliseconds'),
  DISPATCH_IDLE_MS: positiveInt('DISPATCH_IDLE_MS must be a positive number of milliseconds'),
  DISPATCH_HEARTBEAT_MS: positiveInt('DISPATCH_HEARTBEAT_MS must be a positive number of milliseconds'),
  DB_OUTAGE_LOG_SECONDS: positiveInt('DB_OUTAGE_LOG_SECONDS must be a positive whole number of seconds'),
  DELIVERY_RETENTION_DAYS: z.coerce
    .number({ error: 'DELIVERY_RETENTION_DAYS must be a whole number of days (0 keeps everything)' })
    .int('DELIVERY_RETENTION_DAYS must be a whole number of days (0 keeps everything)')
    .min(0, 'DELIVERY_RETENTION_DAYS must be a whole number of days (0 keeps everything)'),
  RUN_POLL_MS: positiveInt('RUN_POLL_MS must be a positive number of milliseconds'),
  SEND_COOLDOWN_SECONDS: z.coerce
    .number({ error: 'SEND_COOLDOWN_SECONDS must be a whole number of seconds (0: no wait)' })
    .int('SEND_COOLDOWN_SECONDS must be a whole number of seconds (0: no wait)')
    .min(0, 'SEND_COOLDOWN_SECONDS must be a whole number of seconds (0: no wait)'),
  REGISTRATION: z.enum(['request', 'invite', 'open'], {
    error: 'REGISTRATION must be request (people ask, an admin approves), invite (invite links only) or open (anyone)',
  }),
  RATE_LIMIT_PER_MINUTE: positiveInt('RATE_LIMIT_PER_MINUTE must be a positive whole number of messages a minute'),
  API_RATE_LIMIT_PER_MINUTE: positiveInt('API_RATE_LIMIT_PER_MINUTE must be a positive whole number of requests a minute'),
  JOIN_REQUESTS_PER_HOUR: positiveInt('JOIN_REQUESTS_PER_HOUR must be a positive whole number of requests an hour'),
  CODE_SMS_PER_DAY: z.coerce
    .number({ error: 'CODE_SMS_PER_DAY must be a whole number of SMS a day (0: no codes by SMS; admins set phones)' })
    .int('CODE_SMS_PER_DAY must be a whole number of SMS a day (0: no codes by SMS; admins set phones)')
    .min(0, 'CODE_SMS_PER_DAY must be a whole number of SMS a day (0: no codes by SMS; admins set phones)'),
  // Tracker webhooks (issue 12): each receiver is off until its secret is set.
  GITLAB_WEBHOOK_TOKEN: z
    .string()
    .min(16, 'GITLAB_WEBHOOK_TOKEN must be at least 16 characters; generate one with: openssl rand -hex 20')
    .optional(),
  GITHUB_WEBHOOK_SECRET: z
    .string()
    .min(16, 'GITHUB_WEBHOOK_SECRET must be at least 16 characters; generate one with: openssl rand -hex 20')
    .optional(),
  JIRA_WEBHOOK_SECRET: z
    .string()
    .min(16, 'JIRA_WEBHOOK_SECRET must be at least 16 characters; generate one with: openssl rand -hex 20')
    .optional(),
  // What each secret may speak for: an event about anything else is refused (403).
  GITLAB_WEBHOOK_PROJECTS: z.string().optional(),
  GITHUB_WEBHOOK_REPOS: z.string().optional(),
  JIRA_WEBHOOK_PROJECTS: z.string().optional(),
  // Answering a letter (issue 23): letters carry Reply-To reply+<token>@REPLY_DOMAIN; the intake listens on REPLY_SMTP_PORT.
  REPLY_DOMAIN: z
    .string()
    .regex(
      /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
      'REPLY_DOMAIN must be a mail domain whose MX (or a forwarding rule) leads to the reply intake, e.g. reply.example.org',
    )
    .optional(),
  REPLY_SMTP_PORT: z
    .string()
    .regex(/^\d+$/, 'REPLY_SMTP_PORT must be a port number 0..65535')
    .pipe(z.coerce.number())
    .pipe(z.number().int().min(0, 'REPLY_SMTP_PORT must be 0..65535').max(65535, 'REPLY_SMTP_PORT must be 0..65535'))
    .optional(),
  REPLY_SMTP_HOST: z.string().min(1),
});

export type Config = z.infer<typeof schema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Each webhook secret with the list of what it may speak for, and an example of that list. */
const HOOK_SCOPES = [
  ['GITLAB_WEBHOOK_TOKEN', 'GITLAB_WEBHOOK_PROJECTS', 'project paths, e.g. acme/api,acme/web'],
  ['GITHUB_WEBHOOK_SECRET', 'GITHUB_WEBHOOK_REPOS', 'repositories, e.g. acme/api,acme/web'],
  ['JIRA_WEBHOOK_SECRET', 'JIRA_WEBHOOK_PROJECTS', 'project keys, e.g. OPS,HR'],
] as const;

/** A webhook secret set without its list: a secret bound to nothing could speak for any project. */
function unboundHookSecrets(c: Config): string[] {
  return HOOK_SCOPES.filter(([secret, list]) => c[secret] && !c[list]?.trim()).map(
    ([secret, list, what]) =>
      `${list}: ${secret} is set, so say what it may speak for: comma-separated ${what} (or * for any); events about anything else are refused`,
  );
}

/** The reply intake needs the domain its addresses are at. */
function replyIntakeProblems(c: Config): string[] {
  return c.REPLY_SMTP_PORT !== undefined && !c.REPLY_DOMAIN
    ? ['REPLY_DOMAIN: REPLY_SMTP_PORT is set, so say which mail domain the reply addresses are at (e.g. reply.example.org)']
    : [];
}

/** A configuration mistake: {@link problems} lists every bad or missing variable with a hint. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once: defaults from `config/defaults.ts`, overridden by `env`. Empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const merged: Record<string, string> = { ...defaults };
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && v.trim() !== '' && Object.hasOwn(schema.shape, k)) merged[k] = v;
  }
  const parsed = schema.safeParse(merged);
  const unbound = parsed.success ? [...unboundHookSecrets(parsed.data), ...replyIntakeProblems(parsed.data)] : [];
  if (unbound.length) throw new ConfigError(unbound);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = i.path.join('.');
        // A message that already names its variable is not prefixed with it again.
        return i.message.startsWith(name) ? i.message : `${name}: ${i.message}`;
      }),
    );
  }
  return parsed.data;
}

export const BOT_TOKEN_HINT =
  'BOT_TOKEN is not set. Create a bot with @BotFather in Telegram (/newbot), copy the token it gives ' +
  '(123456789:AA…) and start again with BOT_TOKEN=<token> (or put it in .env).';
