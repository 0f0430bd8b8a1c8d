/**
 * The HTTP side of taskwatch on fastify: `/healthz` (liveness), `/readyz` (readiness), `/metrics`, the Telegram webhook, and (when given its
 * deps) the integration API under `/api/v1` with its OpenAPI document (src/http/api/).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { isDatabaseUp } from '../db/connection.js';
import type { Logger } from '../logger.js';
import { registerApi, type ApiOptions } from './api/index.js';
import { registerUnsubscribe } from './unsubscribe.js';
import type { SecretBox } from '../secrets.js';
import { checkReadiness, type ReadinessChecks } from './readiness.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServerOptions {
  /** Port to listen on; 0 lets the system pick a free one (tests). */
  port: number;
  /** Interface to listen on. @defaultValue every interface */
  host?: string;
  logger: Logger;
  /**
   * What `GET /metrics` serves: a prom-client registry (src/http/metrics.ts) or anything with its
   * `metrics()` and `contentType`. Absent: an empty exposition.
   */
  metrics?: { metrics(): Promise<string>; readonly contentType: string };
  /**
   * The Telegram webhook: POST requests to exactly `path` are handed to `handler` with the body read
   * (`req.body`, a Buffer). With `secretToken`, a request whose `X-Telegram-Bot-Api-Secret-Token` differs
   * gets 401 and is not handled. A body over `maxBodyBytes` (default 1 MB) gets 413.
   */
  webhook?: { path: string; handler: RequestHandler; secretToken?: string; maxBodyBytes?: number };
  /** The integration API (`/api/v1`, tracker webhooks); absent: not served. */
  api?: ApiOptions;
  /** What `GET /readyz` checks (src/http/readiness.ts). @defaultValue the database alone */
  readiness?: ReadinessChecks;
  /** METRICS_TOKEN: `/metrics` answers only a request with `Authorization: Bearer <it>`. */
  metricsToken?: string;
  /** The one-click unsubscribe page (src/http/unsubscribe.ts), served when PUBLIC_URL is set. */
  unsubscribe?: { secrets: SecretBox };
}

export interface HttpServer {
  /** The port actually listened on (the chosen one when `port` was 0). */
  port: number;
  /** Stops accepting, closes every open connection, resolves when the server is down. Safe to call twice. */
  close(): Promise<void>;
}

/** The longest a request may take to arrive, headers and body, in ms. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** The longest a request's headers may take to arrive, in ms. */
export const HEADERS_TIMEOUT_MS = 10_000;

/** The Prometheus text format, version 0.0.4. */
const EXPOSITION_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Telegram sends updates far below this; anything bigger is not from it. Also the API's body cap. */
export const WEBHOOK_MAX_BODY = 1024 * 1024;

function sendJson(reply: import('fastify').FastifyReply, status: number, body: unknown) {
  return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(body);
}

/** The fastify app with every route, not listening (tests may `inject`, main listens). */
export async function buildHttpApp(opts: HttpServerOptions): Promise<FastifyInstance> {
  const { logger } = opts;
  const app = Fastify({
    logger: false,
    bodyLimit: WEBHOOK_MAX_BODY,
    forceCloseConnections: true,
    return503OnClosing: true,
    // A client that sends its request slowly (byte by byte) holds a socket and memory: the whole request
    // must arrive within REQUEST_TIMEOUT_MS, its headers within HEADERS_TIMEOUT_MS.
    requestTimeout: REQUEST_TIMEOUT_MS,
  });
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;

  app.setErrorHandler((err: { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) logger.error({ err, url: req.url }, 'HTTP request failed');
    const error = status === 413 ? 'body too large' : status === 500 ? 'internal error' : 'bad request';
    if (status === 413) reply.header('connection', 'close');
    return sendJson(reply, status, { status: 'error', error });
  });
  app.setNotFoundHandler((_req, reply) => sendJson(reply, 404, { status: 'error', error: 'not found' }));

  const methodNotAllowed = (allow: string) => async (_req: unknown, reply: import('fastify').FastifyReply) => {
    reply.header('allow', allow);
    return sendJson(reply, 405, { status: 'error', error: 'method not allowed' });
  };

  app.get('/healthz', async (_req, reply) => {
    const up = await isDatabaseUp();
    return sendJson(reply, up ? 200 : 503, up ? { status: 'ok', db: 'up' } : { status: 'error', db: 'down' });
  });
  app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url: '/healthz', handler: methodNotAllowed('GET, HEAD') });

  app.get('/readyz', async (_req, reply) => {
    const r = await checkReadiness(opts.readiness ?? { database: isDatabaseUp });
    return sendJson(reply, r.ready ? 200 : 503, r.ready ? { status: 'ok', checks: r.checks } : { status: 'error', reason: r.reason });
  });
  app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url: '/readyz', handler: methodNotAllowed('GET, HEAD') });

  app.get('/metrics', async (req, reply) => {
    // With METRICS_TOKEN, only a scraper that sends it (Prometheus: `authorization: { credentials: … }`).
    if (opts.metricsToken !== undefined && !sameSecret(bearerOf(req.headers.authorization), opts.metricsToken)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return sendJson(reply, 401, { status: 'error', error: 'unauthorized' });
    }
    const text = opts.metrics ? await opts.metrics.metrics() : '';
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .type(opts.metrics?.contentType ?? EXPOSITION_TYPE)
      .send(text);
  });
  app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url: '/metrics', handler: methodNotAllowed('GET, HEAD') });

  if (opts.webhook) {
    const hook = opts.webhook;
    await app.register((scope) => {
      // The body goes to telegraf as the bytes Telegram sent.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      scope.route({
        method: 'POST',
        url: hook.path,
        bodyLimit: hook.maxBodyBytes ?? WEBHOOK_MAX_BODY,
        // Before the body is read: a request without the secret is refused unread.
        onRequest: async (req, reply) => {
          if (hook.secretToken !== undefined && !sameSecret(req.headers['x-telegram-bot-api-secret-token'], hook.secretToken)) {
            reply.header('connection', 'close');
            return sendJson(reply, 401, { status: 'error', error: 'unauthorized' });
          }
        },
        handler: async (req, reply) => {
          (req.raw as IncomingMessage & { body?: Buffer }).body = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
          reply.hijack();
          await hook.handler(req.raw, reply.raw);
        },
      });
      scope.route({ method: ['GET', 'PUT', 'PATCH', 'DELETE'], url: hook.path, handler: methodNotAllowed('POST') });
    });
  }

  if (opts.api) await app.register(async (scope) => registerApi(scope, opts.api!));
  if (opts.unsubscribe) registerUnsubscribe(app, { secrets: opts.unsubscribe.secrets, logger: opts.logger });
  return app;
}

/** Serves `/healthz`, `/metrics`, the webhook and the API. Resolves once listening. */
export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const app = await buildHttpApp(opts);
  await app.listen({ port: opts.port, host: opts.host ?? '::' }).catch(async (err: { code?: string }) => {
    // No IPv6 on this machine: every IPv4 interface.
    if (opts.host === undefined && err.code === 'EAFNOSUPPORT') return app.listen({ port: opts.port, host: '0.0.0.0' });
    throw err;
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  opts.logger.info({ port, host: opts.host ?? '*' }, 'HTTP server listening');
  let closing: Promise<void> | undefined;
  return { port, close: () => (closing ??= app.close()) };
}

/** Constant-time comparison of the header with the expected secret. */
function bearerOf(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

export function sameSecret(header: string | string[] | undefined, expected: string): boolean {
  if (typeof header !== 'string') return false;
  const a = Buffer.from(header);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
