/**
 * The integration API under `/api/v1`: bearer tokens, a per-token rate limit, Idempotency-Key, RFC 9457
 * problems, and the OpenAPI 3.1 document at `/api/v1/openapi.json` generated from the same schemas.
 */
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import { SIGNED_SOURCES } from '../../domain/tracker-events.js';
import type { DeliveryPort } from '../../delivery/port.js';
import type { Logger } from '../../logger.js';
import { authenticate, TokenRateLimiter } from './auth.js';
import { registerIdempotency } from './idempotency.js';
import { ApiProblem, apiErrorHandler, sendProblem } from './problem.js';
import { registerTaskRoutes } from './task-routes.js';
import { registerPeopleRoutes } from './people-routes.js';
import { registerHooks, type HookSecrets } from './hooks.js';
import { SHARED_SCHEMAS } from './schemas.js';

/** The largest body an API request (but a tracker's signed delivery) may have, in bytes. */
export const API_MAX_BODY = 64 * 1024;

export interface ApiOptions {
  logger: Logger;
  delivery: DeliveryPort;
  /** Requests a minute per token (API_RATE_LIMIT_PER_MINUTE). @defaultValue 120 */
  ratePerMinute?: number;
  /** The clock of the per-token limit's one-minute windows, ms since the epoch. @defaultValue Date.now */
  rateClock?: () => number;
  defaultTimezone: string;
  defaultLanguage: 'ru' | 'en';
  /** Secrets of the tracker webhooks; a receiver without one is off (404). */
  hooks?: HookSecrets;
}

export async function registerApi(app: FastifyInstance, opts: ApiOptions): Promise<void> {
  for (const s of SHARED_SCHEMAS) app.addSchema(s);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'taskwatch API',
        version: '1.0.0',
        description: 'Tasks, observers and people of taskwatch; every change notifies observers by e-mail, SMS and Telegram.',
      },
      servers: [{ url: '/' }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from /api new in the bot' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  await app.register(
    async (api) => {
      // Every API body fits in 64 KB (a task's longest fields are 2,000 characters): a larger one is refused
      // unread (413). Trackers' signed deliveries may be larger; they are read as bytes and parsed only after
      // their signature holds (hooks.ts).
      api.addHook('onRoute', (route) => {
        const hook = /\/hooks\/([\w-]+)$/.exec(route.url)?.[1];
        if (!(hook && SIGNED_SOURCES.has(hook))) route.bodyLimit ??= API_MAX_BODY;
      });
      api.setErrorHandler(apiErrorHandler(opts.logger));
      // JSON only: a text/plain body is 415, not a string that fails validation.
      api.removeContentTypeParser('text/plain');
      // Bodies are validated as sent (no type coercion, unknown fields refused, null stays null); path and
      // query strings are coerced to the numbers their schemas ask for.
      // allErrors off: validation stops at the first problem, so a body of 100,000 wrong items costs one check and
      // answers one line, not 100,000 (a union's allowed values are still listed: its branches are all tried).
      const strict = new Ajv({ allErrors: false, removeAdditional: false, coerceTypes: false, useDefaults: true, strict: false });
      const coercing = new Ajv({ allErrors: false, removeAdditional: false, coerceTypes: 'array', useDefaults: true, strict: false });
      for (const s of SHARED_SCHEMAS) {
        strict.addSchema(s);
        coercing.addSchema(s);
      }
      api.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
      api.setNotFoundHandler((req, reply) =>
        sendProblem(reply, new ApiProblem(404, 'not_found', `There is no ${req.method} ${req.url.split('?')[0]}.`)),
      );
      api.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
      const limiter = new TokenRateLimiter(opts.ratePerMinute ?? 120, opts.rateClock);
      await api.register((hooks) => registerHooks(hooks, { secrets: opts.hooks ?? {}, timezone: opts.defaultTimezone, limiter }), {
        prefix: '/hooks',
      });
      await api.register((secured) => {
        secured.addHook('onRequest', authenticate(limiter));
        registerIdempotency(secured);
        const deps = { delivery: opts.delivery, defaultTimezone: opts.defaultTimezone, defaultLanguage: opts.defaultLanguage };
        registerTaskRoutes(secured, deps);
        registerPeopleRoutes(secured, deps);
      });
    },
    { prefix: '/api/v1' },
  );
}
