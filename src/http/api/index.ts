/**
 * The integration API under `/api/v1`: bearer tokens, a per-token rate limit, Idempotency-Key, RFC 9457
 * problems, and the OpenAPI 3.1 document at `/api/v1/openapi.json` generated from the same schemas.
 */
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import type { DeliveryPort } from '../../delivery/port.js';
import type { Logger } from '../../logger.js';
import { authenticate, TokenRateLimiter } from './auth.js';
import { registerIdempotency } from './idempotency.js';
import { ApiProblem, apiErrorHandler, sendProblem } from './problem.js';
import { registerTaskRoutes } from './task-routes.js';
import { registerPeopleRoutes } from './people-routes.js';
import { registerHooks, type HookSecrets } from './hooks.js';
import { SHARED_SCHEMAS } from './schemas.js';

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
      api.setErrorHandler(apiErrorHandler(opts.logger));
      // JSON only: a text/plain body is 415, not a string that fails validation.
      api.removeContentTypeParser('text/plain');
      // Bodies are validated as sent (no type coercion, unknown fields refused, null stays null); path and
      // query strings are coerced to the numbers their schemas ask for.
      const strict = new Ajv({ allErrors: true, removeAdditional: false, coerceTypes: false, useDefaults: true, strict: false });
      const coercing = new Ajv({ allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true, strict: false });
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
