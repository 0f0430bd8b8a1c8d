import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { isDatabaseUp } from '../db/connection.js';
import type { Logger } from '../logger.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServerOptions {
  /** Port to listen on; 0 lets the system pick a free one (tests). */
  port: number;
  /** Interface to listen on. @defaultValue every interface */
  host?: string;
  logger: Logger;
  /**
   * Current values for `GET /metrics`. Names are prefixed with `taskwatch_`; a name ending in `_total`
   * is exposed as a counter, any other as a gauge.
   */
  metrics?: () => Promise<Record<string, number>>;
  /**
   * The Telegram webhook: POST requests to exactly `path` are handed to `handler` with the body read
   * (`req.body`, a Buffer). With `secretToken`, a request whose `X-Telegram-Bot-Api-Secret-Token` differs
   * gets 401 and is not handled. A body over `maxBodyBytes` (default 1 MB) gets 413.
   */
  webhook?: { path: string; handler: RequestHandler; secretToken?: string; maxBodyBytes?: number };
}

export interface HttpServer {
  /** The port actually listened on (the chosen one when `port` was 0). */
  port: number;
  /** Stops accepting, closes every open connection, resolves when the server is down. Safe to call twice. */
  close(): Promise<void>;
}

const PREFIX = 'taskwatch_';

/** Serves `/healthz`, `/metrics` and the webhook on node:http. Resolves once listening. */
export function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const { logger } = opts;
  const server = http.createServer((req, res) => {
    route(req, res, opts).catch((err: unknown) => {
      logger.error({ err }, 'HTTP request failed');
      if (!res.headersSent) sendJson(res, 500, { status: 'error', error: 'internal error' });
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      server.on('error', (err) => logger.error({ err }, 'HTTP server error'));
      const port = (server.address() as AddressInfo).port;
      logger.info({ port, host: opts.host ?? '*' }, 'HTTP server listening');
      let closing: Promise<void> | undefined;
      resolve({
        port,
        close: () =>
          (closing ??= new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          })),
      });
    });
  });
}

async function route(req: IncomingMessage, res: ServerResponse, opts: HttpServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  const method = req.method ?? 'GET';

  if (opts.webhook && path === opts.webhook.path) {
    if (method !== 'POST') return methodNotAllowed(res, 'POST');
    const { secretToken, maxBodyBytes = WEBHOOK_MAX_BODY } = opts.webhook;
    if (secretToken !== undefined && !sameSecret(req.headers['x-telegram-bot-api-secret-token'], secretToken)) {
      req.resume();
      return sendJson(res, 401, { status: 'error', error: 'unauthorized' });
    }
    const body = await readBody(req, maxBodyBytes);
    if (!body) {
      res.setHeader('connection', 'close');
      return sendJson(res, 413, { status: 'error', error: 'body too large' });
    }
    (req as IncomingMessage & { body?: Buffer }).body = body;
    await opts.webhook.handler(req, res);
    return;
  }
  if (path === '/healthz') {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    const up = await isDatabaseUp();
    return sendJson(res, up ? 200 : 503, up ? { status: 'ok', db: 'up' } : { status: 'error', db: 'down' });
  }
  if (path === '/metrics') {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    const values = opts.metrics ? await opts.metrics() : {};
    res.writeHead(200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(formatPrometheus(values));
    return;
  }
  sendJson(res, 404, { status: 'error', error: 'not found' });
}

/** Telegram sends updates far below this; anything bigger is not from it. */
export const WEBHOOK_MAX_BODY = 1024 * 1024;

/** Constant-time comparison of the header with the expected secret. */
function sameSecret(header: string | string[] | undefined, expected: string): boolean {
  if (typeof header !== 'string') return false;
  const a = Buffer.from(header);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The whole body, or undefined (and the rest discarded) once it passes `max` bytes. */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Prometheus text exposition format (0.0.4): one `# TYPE` line and one sample per metric. */
export function formatPrometheus(values: Record<string, number>): string {
  const seen = new Set<string>();
  let out = '';
  for (const [key, value] of Object.entries(values)) {
    const name = metricName(key);
    if (seen.has(name)) continue;
    seen.add(name);
    out += `# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}\n${name} ${sampleValue(value)}\n`;
  }
  return out;
}

function metricName(key: string): string {
  let name = key.replace(/[^a-zA-Z0-9_:]/g, '_');
  if (!name.startsWith(PREFIX)) name = PREFIX + name;
  return name;
}

function sampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  sendJson(res, 405, { status: 'error', error: 'method not allowed' });
}
