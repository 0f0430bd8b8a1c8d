import { ConfigError, loadConfig } from '../../src/config.js';
import { defaults } from '../../config/defaults.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('loadConfig accepted a bad environment');
}

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

describe('loadConfig', () => {
  it('applies the defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c).toEqual({
      TELEGRAM_API_ROOT: 'https://api.telegram.org',
      ADMIN_IDS: [],
      HTTP_PORT: 8080,
      LOG_LEVEL: 'info',
      DEFAULT_TIMEZONE: 'Europe/Moscow',
      DEFAULT_LANGUAGE: 'ru',
      DATA_DIR: './data',
      SMSRU_BASE_URL: 'https://sms.ru',
      SMSC_BASE_URL: 'https://smsc.ru',
      SMSAERO_BASE_URL: 'https://gate.smsaero.ru/v2',
      TWILIO_BASE_URL: 'https://api.twilio.com',
      DISPATCH_BATCH: 1000,
      DISPATCH_CONCURRENCY: 16,
      LEASE_MS: 30_000,
      MAX_ATTEMPTS: 8,
      RETRY_BASE_MS: 30_000,
      RETRY_MAX_MS: 3_600_000,
      HTTP_TIMEOUT_MS: 10_000,
      RUN_POLL_MS: 250,
      REGISTRATION: 'request',
      RATE_LIMIT_PER_MINUTE: 30,
      API_RATE_LIMIT_PER_MINUTE: 120,
      DISPATCH_IDLE_MS: 60_000,
      DISPATCH_HEARTBEAT_MS: 5_000,
      DB_OUTAGE_LOG_SECONDS: 30,
      DELIVERY_RETENTION_DAYS: 30,
      SEND_COOLDOWN_SECONDS: 30,
      CODE_SMS_PER_DAY: 50,
      JOIN_REQUESTS_PER_HOUR: 20,
      OUTCOME_WRITES: 1,
      REPLY_SMTP_HOST: '0.0.0.0',
    });
  });

  it('refuses a webhook secret bound to nothing, saying which list to set and how', () => {
    const problems = problemsOf({
      GITHUB_WEBHOOK_SECRET: 'github-secret-0123456789',
      JIRA_WEBHOOK_SECRET: 'jira-secret-0123456789',
      JIRA_WEBHOOK_PROJECTS: 'OPS',
    });
    expect(problems).toEqual([
      'GITHUB_WEBHOOK_REPOS: GITHUB_WEBHOOK_SECRET is set, so say what it may speak for: comma-separated repositories, e.g. acme/api,acme/web (or * for any); events about anything else are refused',
    ]);
    expect(loadConfig({ GITHUB_WEBHOOK_SECRET: 'github-secret-0123456789', GITHUB_WEBHOOK_REPOS: '*' }).GITHUB_WEBHOOK_REPOS).toBe('*');
  });

  it('lets every variable be overridden', () => {
    const env = {
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9001',
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/telegram/hook',
      MONGODB_URI: 'mongodb://db.example.org:27017/taskwatch',
      ADMIN_IDS: '111,222',
      SECRET_KEY: '0123456789abcdef0123456789abcdef',
      HTTP_PORT: '9090',
      LOG_LEVEL: 'debug',
      DEFAULT_TIMEZONE: 'Asia/Yekaterinburg',
      DEFAULT_LANGUAGE: 'en',
      DATA_DIR: '/var/lib/taskwatch',
      SMSRU_BASE_URL: 'http://127.0.0.1:9002',
      SMSC_BASE_URL: 'http://127.0.0.1:9003',
      SMSAERO_BASE_URL: 'http://127.0.0.1:9004/v2',
      TWILIO_BASE_URL: 'http://127.0.0.1:9005',
      DISPATCH_BATCH: '50',
      DISPATCH_CONCURRENCY: '4',
      LEASE_MS: '5000',
      MAX_ATTEMPTS: '3',
      RETRY_BASE_MS: '100',
      RETRY_MAX_MS: '1000',
      HTTP_TIMEOUT_MS: '2000',
      RUN_POLL_MS: '50',
      REGISTRATION: 'invite',
      RATE_LIMIT_PER_MINUTE: '10',
      API_RATE_LIMIT_PER_MINUTE: '60',
      DISPATCH_IDLE_MS: '5000',
      DISPATCH_HEARTBEAT_MS: '1000',
      DB_OUTAGE_LOG_SECONDS: '10',
      DELIVERY_RETENTION_DAYS: '7',
      SEND_COOLDOWN_SECONDS: '5',
      CODE_SMS_PER_DAY: '0',
      JOIN_REQUESTS_PER_HOUR: '5',
      OUTCOME_WRITES: '2',
      REPLY_SMTP_HOST: '127.0.0.1',
    };
    const c = loadConfig(env);
    expect(c).toEqual({
      ...env,
      ADMIN_IDS: [111, 222],
      HTTP_PORT: 9090,
      DISPATCH_BATCH: 50,
      DISPATCH_CONCURRENCY: 4,
      LEASE_MS: 5000,
      MAX_ATTEMPTS: 3,
      RETRY_BASE_MS: 100,
      RETRY_MAX_MS: 1000,
      HTTP_TIMEOUT_MS: 2000,
      RUN_POLL_MS: 50,
      REGISTRATION: 'invite',
      RATE_LIMIT_PER_MINUTE: 10,
      API_RATE_LIMIT_PER_MINUTE: 60,
      DISPATCH_IDLE_MS: 5000,
      DISPATCH_HEARTBEAT_MS: 1000,
      DB_OUTAGE_LOG_SECONDS: 10,
      DELIVERY_RETENTION_DAYS: 7,
      SEND_COOLDOWN_SECONDS: 5,
      CODE_SMS_PER_DAY: 0,
      JOIN_REQUESTS_PER_HOUR: 5,
      OUTCOME_WRITES: 2,
    });
    // every default has a variable that overrides it
    for (const key of Object.keys(defaults)) expect(env).toHaveProperty(key);
  });

  it('lists every bad variable at once, each with its hint', () => {
    const problems = problemsOf({
      HTTP_PORT: 'eighty',
      LOG_LEVEL: 'loud',
      DEFAULT_TIMEZONE: 'Mars/Olympus_Mons',
      ADMIN_IDS: '12345,@boss',
    });
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^HTTP_PORT must be a port number/),
        expect.stringMatching(/^LOG_LEVEL .*fatal, error, warn, info, debug, trace, silent/),
        expect.stringMatching(/^DEFAULT_TIMEZONE .*IANA time zone such as Europe\/Moscow/),
        expect.stringMatching(/^ADMIN_IDS .*separated by commas, e\.g\. 12345,67890/),
      ]),
    );
  });

  it('says which REGISTRATION modes and rate limits there are', () => {
    expect(problemsOf({ REGISTRATION: 'closed' })).toEqual([expect.stringMatching(/^REGISTRATION .*request .*invite .*open/)]);
    expect(problemsOf({ RATE_LIMIT_PER_MINUTE: '0' })).toEqual([expect.stringMatching(/^RATE_LIMIT_PER_MINUTE .*positive whole number/)]);
  });

  it('puts every problem into the error message', () => {
    let message = '';
    try {
      loadConfig({ HTTP_PORT: '70000', DEFAULT_LANGUAGE: 'de', LEASE_MS: '-1', SMSRU_BASE_URL: 'not a url' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Configuration is not valid:/);
    expect(message).toContain('HTTP_PORT must be 0..65535');
    expect(message).toContain('DEFAULT_LANGUAGE must be ru or en');
    expect(message).toContain('LEASE_MS must be a positive number of milliseconds');
    expect(message).toContain('SMSRU_BASE_URL must be an http(s) URL');
  });

  it('does not repeat the bad value of a secret in its complaint', () => {
    const problems = problemsOf({ SECRET_KEY: 'hunter2-short', BOT_TOKEN: 'my-secret-bot-token' });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toContain('openssl rand -hex 32');
    expect(problems.join('\n')).toContain('@BotFather');
    expect(problems.join('\n')).not.toContain('hunter2-short');
    expect(problems.join('\n')).not.toContain('my-secret-bot-token');
  });

  it.each([
    ['', []],
    ['42', [42]],
    ['111, 222 ,333', [111, 222, 333]],
    ['111,,222,', [111, 222]],
    ['5000000000', [5_000_000_000]],
  ])('parses ADMIN_IDS=%j', (value, ids) => {
    expect(loadConfig({ ADMIN_IDS: value }).ADMIN_IDS).toEqual(ids);
  });

  it.each(['abc', '12;34', '-5', '1.5'])('refuses ADMIN_IDS=%j', (value) => {
    expect(problemsOf({ ADMIN_IDS: value })).toEqual([expect.stringMatching(/^ADMIN_IDS /)]);
  });

  it('treats empty strings as unset', () => {
    const c = loadConfig({ HTTP_PORT: '', LOG_LEVEL: '', BOT_TOKEN: '', MONGODB_URI: '', SECRET_KEY: '', ADMIN_IDS: '' });
    expect(c.HTTP_PORT).toBe(8080);
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.BOT_TOKEN).toBeUndefined();
    expect(c.MONGODB_URI).toBeUndefined();
    expect(c.SECRET_KEY).toBeUndefined();
    expect(c.ADMIN_IDS).toEqual([]);
  });

  it('leaves BOT_TOKEN optional, but checks its form when given', () => {
    expect(loadConfig({}).BOT_TOKEN).toBeUndefined();
    expect(loadConfig({ BOT_TOKEN: TOKEN }).BOT_TOKEN).toBe(TOKEN);
    // The complaint names the variable once ("BOT_TOKEN looks wrong", not "BOT_TOKEN: BOT_TOKEN looks wrong").
    expect(problemsOf({ BOT_TOKEN: '123:abc' })).toEqual(['BOT_TOKEN looks wrong: it has the form 123456789:AA…, as @BotFather gives it']);
  });

  it('accepts port 0 and refuses a MongoDB URI of another scheme', () => {
    expect(loadConfig({ HTTP_PORT: '0' }).HTTP_PORT).toBe(0);
    expect(problemsOf({ MONGODB_URI: 'postgres://localhost/x' })).toEqual([
      expect.stringMatching(/^MONGODB_URI .*mongodb:\/\/ or mongodb\+srv:\/\//),
    ]);
  });

  it('ignores variables it does not know', () => {
    const c = loadConfig({ PATH: '/usr/bin', HOME: '/root' });
    expect(c).not.toHaveProperty('PATH');
    expect(c).not.toHaveProperty('HOME');
  });
});
