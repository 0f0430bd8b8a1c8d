/**
 * The HTTP app as `npm start` serves it (fastify, the API and its real services), on a port the system
 * picks, against the delivery world of world.ts: `/api/v1/send` runs a dispatch in this process with the
 * same code a worker thread runs.
 */
import { createLogger } from '../../src/logger.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { createDeliveryService } from '../../src/delivery/service.js';
import type { DeliveryPort } from '../../src/delivery/port.js';
import { sendNow, type World } from './world.js';
import type { HookSecrets } from '../../src/http/api/hooks.js';
import type { Static } from '@sinclair/typebox';
import type { Change, Person, Problem, RunResult, Task } from '../../src/http/api/schemas.js';

/** Reply bodies as the API's schemas (src/http/api/schemas.ts) describe them. */
export type TaskBody = Static<typeof Task>;
export type ChangeBody = Static<typeof Change>;
export type ProblemBody = Static<typeof Problem>;
export type PersonBody = Static<typeof Person>;
export type RunResultBody = Static<typeof RunResult>;
export interface TaskWithChangesBody {
  task: TaskBody;
  changes: ChangeBody[];
  created: boolean;
}
export interface TaskListBody {
  items: TaskBody[];
  nextCursor: string | null;
}
export interface ObserverListBody {
  items: { person: { id: string; name: string }; channels: string[] }[];
}
/** What a tracker webhook answers: the task it touched, or why the event was ignored. */
export interface HookBody {
  task: number;
  created: boolean;
  changes: number;
  ignored?: string;
}

export interface ApiReply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (a webhook body that is signed byte for byte). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface ApiApp {
  server: HttpServer;
  base: string;
  /**
   * fetch on the app with a bearer token and JSON; returns status, headers and the parsed body, typed as
   * `T` (the caller names the schema it expects; nothing is checked here).
   */
  call<T = unknown>(method: string, path: string, opts?: CallOptions): Promise<ApiReply<T>>;
}

export async function startApiApp(
  world: World,
  opts: { ratePerMinute?: number; rateClock?: () => number; hooks?: HookSecrets } = {},
): Promise<ApiApp> {
  const service = createDeliveryService();
  const delivery: DeliveryPort = {
    ...service,
    sendNow: ({ taskNumber }) => sendNow(world, taskNumber !== undefined ? { taskNumber } : {}),
  };
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('silent'),
    api: {
      logger: createLogger('silent'),
      delivery,
      ratePerMinute: opts.ratePerMinute ?? 1000,
      ...(opts.rateClock ? { rateClock: opts.rateClock } : {}),
      defaultTimezone: 'Europe/Moscow',
      defaultLanguage: 'en',
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
    },
  });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    server,
    base,
    async call<T>(method: string, path: string, o: CallOptions = {}): Promise<ApiReply<T>> {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, headers: res.headers, body: parsed as T };
    },
  };
}
