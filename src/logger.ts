import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
  'password',
  'pass',
  'secret',
  'token',
  'apiKey',
  'api_id',
  'authToken',
  '*.password',
  '*.pass',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.api_id',
  '*.authToken',
  '*.*.password',
  '*.*.secret',
  'config.BOT_TOKEN',
  'config.SECRET_KEY',
  'BOT_TOKEN',
  'SECRET_KEY',
];

/** Replaces the bot token and URL credentials in free text (error messages carry URLs). */
export function scrub(text: string): string {
  return text
    .replace(/\b\d{5,}:[\w-]{20,}\b/g, '<bot-token>')
    .replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1***@')
    .replace(/((?:api_id|password|psw|apikey|api_key|token)=)[^&\s]+/gi, '$1***');
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '***' },
      serializers: {
        err: (err: unknown) => {
          const s = pino.stdSerializers.err(err as Error);
          if (s?.message) s.message = scrub(s.message);
          if (s?.stack) s.stack = scrub(s.stack);
          return s;
        },
      },
      base: { service: 'taskwatch' },
    },
    destination,
  );
}
