import { TelegramError } from 'telegraf';
import { createLogger, scrub } from '../../src/logger.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

/** A logger writing into memory; `lines()` returns the parsed log records. */
function memoryLogger(level = 'info') {
  const raw: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void raw.push(line) });
  return {
    logger,
    text: () => raw.join(''),
    lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it("logs a failed Telegram request's method, never its message text or chat", () => {
    const { logger, text } = memoryLogger();
    const err = new TelegramError(
      { error_code: 400, description: 'Bad Request: chat not found' },
      { method: 'sendMessage', payload: { chat_id: 4242, text: 'SECRET: layoffs list' } },
    );
    logger.error({ err }, 'bot handler failed');
    expect(text()).toContain('sendMessage');
    expect(text()).toContain('chat not found');
    expect(text()).not.toContain('SECRET');
    expect(text()).not.toContain('4242');
  });

  it('writes JSON lines with the level filter applied', () => {
    const { logger, lines } = memoryLogger('warn');
    logger.info('hidden');
    logger.warn({ task: 12 }, 'shown');
    expect(lines()).toEqual([expect.objectContaining({ msg: 'shown', task: 12, service: 'taskwatch', level: 40 })]);
  });

  it('prints password, token, smtp.password and config.BOT_TOKEN as ***', () => {
    const { logger, lines, text } = memoryLogger();
    logger.info(
      {
        password: 'top-secret-1',
        token: 'top-secret-2',
        smtp: { host: 'smtp.example.org', user: 'robot', password: 'top-secret-3' },
        config: { BOT_TOKEN: TOKEN, HTTP_PORT: 8080 },
      },
      'settings loaded',
    );
    const [line] = lines();
    expect(line).toMatchObject({
      password: '***',
      token: '***',
      smtp: { host: 'smtp.example.org', user: 'robot', password: '***' },
      config: { BOT_TOKEN: '***', HTTP_PORT: 8080 },
    });
    expect(text()).not.toMatch(/top-secret/);
    expect(text()).not.toContain(TOKEN);
  });

  it('scrubs a bot token from the message of a logged error', () => {
    const { logger, lines, text } = memoryLogger();
    logger.error({ err: new Error(`Telegram refused token ${TOKEN}: 401 Unauthorized`) }, 'bot failed');
    const [line] = lines();
    expect(line).toMatchObject({
      msg: 'bot failed',
      err: { type: 'Error', message: 'Telegram refused token <bot-token>: 401 Unauthorized' },
    });
    expect(text()).not.toContain(TOKEN);
    expect(text()).not.toContain(TOKEN.split(':')[1]);
  });

  it('scrubs credentials in URLs of a logged error, stack included', () => {
    const { logger, text } = memoryLogger();
    logger.error({ err: new Error('GET https://sms.ru/my/balance?api_id=ABCD-1234-EFGH&json=1 timed out') }, 'balance');
    logger.error({ err: new Error('connect failed: mongodb://admin:s3cr3t-pw@db:27017/taskwatch') }, 'db');
    expect(text()).toContain('api_id=***&json=1');
    expect(text()).toContain('mongodb://admin:***@db:27017');
    expect(text()).not.toContain('ABCD-1234-EFGH');
    expect(text()).not.toContain('s3cr3t-pw');
  });
});

describe('scrub', () => {
  it('replaces a bot token', () => {
    expect(scrub(`token is ${TOKEN}.`)).toBe('token is <bot-token>.');
  });

  it('replaces the password of login:password@ in URLs', () => {
    expect(scrub('smtp://robot:pa55word@smtp.example.org:587')).toBe('smtp://robot:***@smtp.example.org:587');
    expect(scrub('mongodb+srv://u:p@cluster0.example.net/db')).toBe('mongodb+srv://u:***@cluster0.example.net/db');
  });

  it('replaces api_id=, password= and similar query values', () => {
    expect(scrub('https://sms.ru/sms/send?api_id=ABC-123&to=79001234567&json=1')).toBe(
      'https://sms.ru/sms/send?api_id=***&to=79001234567&json=1',
    );
    expect(scrub('https://smsc.ru/sys/send.php?login=me&psw=hunter2&phones=7900')).toBe(
      'https://smsc.ru/sys/send.php?login=me&psw=***&phones=7900',
    );
    expect(scrub('body: login=me&password=hunter2')).toBe('body: login=me&password=***');
  });

  it('leaves ordinary text alone', () => {
    const text = 'task 12 changed: status open → done at 12:30, see https://example.org/tasks/12';
    expect(scrub(text)).toBe(text);
  });
});
