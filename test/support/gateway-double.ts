/**
 * What every SMS gateway double shares: a loopback HTTP server that records each request, applies a mode
 * (down, slow, reset, html, or the gateway's own error) and otherwise answers with the gateway's handler.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a double received. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string fields. */
  query: Record<string, string>;
  /** Query, form (`x-www-form-urlencoded`) and JSON body fields together, as strings. */
  fields: Record<string, string>;
  /** Raw request body. */
  body: string;
  headers: IncomingHttpHeaders;
}

/**
 * `ok` answers normally; `down` answers HTTP 503 with `Retry-After: 2`; `slow` answers normally after
 * `slowMs` (past a client's timeout); `reset` closes the socket without an answer; `html` answers HTTP 200
 * with an HTML page (a gateway's error page or a captive portal).
 */
export type DoubleMode = 'ok' | 'down' | 'slow' | 'reset' | 'html';

export interface GatewayDouble<GatewayError> {
  /** Base URL to configure the provider with, e.g. `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  /** Every request, oldest first. */
  readonly requests: RecordedRequest[];
  /** How every following request is answered: a {@link DoubleMode}, or the gateway's own error for all of them. */
  setMode(mode: DoubleMode | GatewayError): void;
  /** Back to `ok`, with no recorded requests and no queued codes. */
  reset(): void;
  /** Stops the server and drops open connections and pending slow answers. */
  close(): Promise<void>;
}

export interface DoubleOptions {
  /** Delay of the `slow` mode, in ms. @defaultValue 5_000 */
  slowMs?: number;
}

export interface Answer {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** Starts a server that records each request, applies the mode, and answers with `handle`. */
export async function startDouble<E extends object>(
  options: DoubleOptions,
  handle: (req: RecordedRequest) => Answer,
  gatewayError: (error: E, req: RecordedRequest) => Answer,
  onReset: () => void = () => undefined,
): Promise<GatewayDouble<E>> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let mode: DoubleMode | E = 'ok';
  const send = (res: ServerResponse, a: Answer) => {
    if (res.destroyed) return;
    const isJson = a.json !== undefined;
    res.writeHead(a.status ?? 200, {
      'content-type': isJson ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
      ...a.headers,
    });
    res.end(isJson ? JSON.stringify(a.json) : (a.text ?? ''));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = record(req, Buffer.concat(chunks).toString('utf8'));
      requests.push(recorded);
      if (mode === 'reset') return void req.socket.destroy();
      if (mode === 'down') return send(res, { status: 503, text: 'Service Unavailable', headers: { 'retry-after': '2' } });
      if (mode === 'html') return send(res, { text: '<html><body>Maintenance</body></html>' });
      if (typeof mode === 'object') return send(res, gatewayError(mode, recorded));
      if (mode === 'slow') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send(res, handle(recorded));
        }, options.slowMs ?? 5_000);
        timers.add(timer);
        return;
      }
      send(res, handle(recorded));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    setMode: (m) => {
      mode = m;
    },
    reset: () => {
      mode = 'ok';
      requests.length = 0;
      onReset();
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

export function record(req: IncomingMessage, body: string): RecordedRequest {
  const url = new URL(req.url ?? '/', 'http://double');
  const query = Object.fromEntries(url.searchParams);
  let bodyFields: Record<string, string> = {};
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) bodyFields = Object.fromEntries(new URLSearchParams(body));
  else if (type.startsWith('application/json') && body) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      bodyFields = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    } catch {
      bodyFields = {};
    }
  }
  return { method: req.method ?? 'GET', path: url.pathname, query, fields: { ...query, ...bodyFields }, body, headers: req.headers };
}

export function basicAuth(req: RecordedRequest): [string, string] | undefined {
  const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? undefined : [decoded.slice(0, i), decoded.slice(i + 1)];
}
