import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line. */
const SECRET_KEYS = ['password', 'pass', 'secret', 'token', 'apiKey', 'api_id', 'authToken', 'BOT_TOKEN', 'SECRET_KEY'];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** Replaces the bot token and URL credentials in free text (error messages carry URLs). */
export function scrub(text: string): string {
  return text
    .replace(/(?<!\d)\d{5,}:[\w-]{20,}/g, '<bot-token>')
    .replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1***@')
    .replace(/((?:api_id|password|psw|apikey|api_key|token)=)[^&\s]+/gi, '$1***');
}

/** A connection string with its password hidden (`mongodb://user:***@host/db`), for logs and start-up errors. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '***' },
      serializers: { err: scrubError },
      hooks: {
        // Free text is scrubbed too: a message or an error passed first may carry a URL with the bot token.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (first instanceof Error) {
            return method.apply(this, [
              { err: first },
              scrub(typeof rest[0] === 'string' ? rest[0] : first.message),
              ...rest.slice(1),
            ] as never);
          }
          return method.apply(this, args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as never);
        },
      },
      base: { service: 'taskwatch' },
    },
    destination,
  );
}

function scrubError(err: unknown): unknown {
  const s = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown> | undefined;
  if (!s) return s;
  // telegraf's TelegramError carries the request it failed (`on: { method, payload }`): the payload is a
  // message's text (a private task's, perhaps) and its chat. Only the method is kept.
  const on = s.on as { method?: unknown } | undefined;
  if (on && typeof on === 'object') s.on = { method: on.method };
  for (const [k, v] of Object.entries(s)) if (typeof v === 'string') s[k] = scrub(v);
  return s;
}
