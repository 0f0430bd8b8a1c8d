/**
 * Defaults for every setting that an environment variable can override.
 * The variable names are the keys of {@link defaults}; `src/config.ts` validates the merged result.
 */
export const defaults = {
  /** Where the Telegram Bot API lives; tests point it at a double on loopback. */
  TELEGRAM_API_ROOT: 'https://api.telegram.org',
  /** Port of the health, metrics and webhook server. */
  HTTP_PORT: '8080',
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: 'info',
  /** Time zone of people who did not set their own (IANA name). */
  DEFAULT_TIMEZONE: 'Europe/Moscow',
  /** Language of people who did not choose one: ru or en. */
  DEFAULT_LANGUAGE: 'ru',
  /** Folder of the embedded MongoDB and of the generated secret key. */
  DATA_DIR: './data',
  SMSRU_BASE_URL: 'https://sms.ru',
  SMSC_BASE_URL: 'https://smsc.ru',
  SMSAERO_BASE_URL: 'https://gate.smsaero.ru/v2',
  TWILIO_BASE_URL: 'https://api.twilio.com',
  /**
   * How many due deliveries one claim takes (with the other due deliveries of their people on those
   * channels). On FerretDB 1.x every claim reads the whole collection: fewer, larger claims cost less.
   */
  DISPATCH_BATCH: '1000',
  /** How many messages a worker sends at the same time. */
  DISPATCH_CONCURRENCY: '16',
  /**
   * Outcome writes (inserts into the outcome journal) a worker has in flight at once; each carries every
   * outcome ready when it starts (group commit). 1 measured as fast as 4 and with the fewest statements
   * (docs/benchmarks.md, "Group commit").
   */
  OUTCOME_WRITES: '1',
  /** How long a claimed delivery stays with its worker before another may take it over, in ms. */
  LEASE_MS: '30000',
  /** Attempts before a temporary failure becomes final. */
  MAX_ATTEMPTS: '8',
  /** First retry delay in ms; doubles on each attempt, with jitter. */
  RETRY_BASE_MS: '30000',
  /** Longest retry delay in ms. */
  RETRY_MAX_MS: '3600000',
  /** Timeout of every request to an SMS gateway and of SMTP connections, in ms. */
  HTTP_TIMEOUT_MS: '10000',
  /** How long the dispatch thread stays resident without work before it exits, in ms. */
  DISPATCH_IDLE_MS: '60000',
  /** How often the dispatch thread tells its process it is alive, in ms; /readyz fails after three missed. */
  DISPATCH_HEARTBEAT_MS: '5000',
  /** During a database outage, how often the log says it is still going on, in seconds. */
  DB_OUTAGE_LOG_SECONDS: '30',
  /** Finished deliveries, planned changes and runs older than this many days are deleted; 0 keeps them. */
  DELIVERY_RETENTION_DAYS: '30',
  /** How often a worker looks for /send requests from a separate bot process, in ms. */
  RUN_POLL_MS: '250',
  /** How long a member waits between two `/send <n>`, in seconds (admins do not wait). */
  SEND_COOLDOWN_SECONDS: '30',
  /** Who may join: request (ask, an admin approves), invite (invite links only) or open (anyone who writes). */
  REGISTRATION: 'request',
  /** Messages and button presses one person may send a minute; past it one polite line, then silence. */
  RATE_LIMIT_PER_MINUTE: '30',
  /** Requests one HTTP API token may make a minute (per process); past it 429 with Retry-After. */
  API_RATE_LIMIT_PER_MINUTE: '120',
  /**
   * Confirmation codes sent by SMS in a day (UTC), for the whole deployment: each costs like any SMS, and
   * anyone who may use the bot can ask for one. Past it people are told to try tomorrow or ask an admin.
   */
  CODE_SMS_PER_DAY: '50',
  /** New join requests (REGISTRATION=request) a whole deployment takes an hour; past it strangers are asked to come back later. */
  JOIN_REQUESTS_PER_HOUR: '20',
  /** Where the reply intake listens (with REPLY_SMTP_PORT): all interfaces, for the MX or relay that forwards to it. */
  REPLY_SMTP_HOST: '0.0.0.0',
} as const;
