/**
 * A strict Bot API double: a small node:http proxy in front of `telegram-test-api` that refuses, with
 * Telegram's own error answers, every request real Telegram would refuse. Point the bot (or the Telegram
 * channel) at `apiRoot`; people keep talking to the emulator through `server.getClient()`.
 *
 * Why a proxy and not a server of our own: the emulator already keeps the chat (users' updates, the bot's
 * messages with edits, callback queries) that every bot test reads; the rules are what it lacks. The proxy
 * checks a request, answers the refusal itself, or forwards it unchanged.
 *
 * Rules (https://core.telegram.org/bots/api, https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
 * - sendMessage / editMessageText: text 1–4096 characters after entity parsing, counted in UTF-16 code
 *   units as Telegram counts them ("Bad Request: message is too long", "Bad Request: message text is empty").
 * - `entities`: each of a known type, its offset and length (UTF-16 units) inside the text, never together
 *   with `parse_mode` (see {@link entitiesProblem}).
 * - Inline keyboards: callback_data 1–64 bytes ("Bad Request: BUTTON_DATA_INVALID"), a label on every button,
 *   at most 8 buttons a row and 100 in all ("Bad Request: BUTTONS_TOO_MUCH").
 * - A chat is known once its user has written to the bot (a message, command or button press reaching the
 *   emulator) or a test says so ({@link StrictBotApi.knowChat}): anything else is "Bad Request: chat not found".
 *   A chat marked blocked answers 403 "Forbidden: bot was blocked by the user".
 * - Editing a message that is not there: "Bad Request: message to edit not found"; an edit that changes
 *   nothing: "Bad Request: message is not modified: …".
 * - answerCallbackQuery text at most 200 characters ("Bad Request: MESSAGE_TOO_LONG").
 * - Flood limits: 30 messages a second overall and 1 a second per chat, as the FAQ states them. The FAQ
 *   says short bursts may pass; this double models both limits as token buckets (refilled at the rate,
 *   holding at most `burst` tokens): overall burst 35 (a sixth over the rate, so request latency jitter of
 *   a sender that keeps 30/s does not fail), per chat burst 3. Each message or button press of a user that
 *   the bot fetches (getUpdates through this double) fills that chat's bucket again: a person writes slower than once a second, a test types as fast as it
 *   can, and the limit is about what the bot sends on its own; so one user message may be answered by up to
 *   3 messages at once, and notifications are held to 1 a second. A request over a limit gets 429
 *   "Too Many Requests: retry after N" with `parameters.retry_after` N (whole seconds until a token is back).
 *   Messages and edits count; answers to callback queries do not.
 * - setMyCommands, deleteMyCommands and sendChatAction are answered here (the emulator answers 500).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TelegramServer } from './telegram-server.js';
import {
  Bucket,
  COUNTED,
  entitiesProblem,
  keyboardProblem,
  MAX_CALLBACK_ANSWER,
  MAX_TEXT,
  NOT_MODIFIED,
  TO_A_CHAT,
  visibleText,
  type RateLimit,
} from './strict-bot-rules.js';

/** What an update or a stored user message holds that tells whose chat it is. */
interface ChatRef {
  chat?: { id?: number | string };
  from?: { id?: number | string };
}
interface UpdateShape {
  message?: ChatRef;
  callback_query?: { from?: { id?: number | string }; message?: ChatRef };
}
interface StoredUserMessage {
  message?: ChatRef;
  callbackQuery?: { from?: { id?: number | string }; message?: ChatRef };
}

/** A chat id or text parameter as Telegram reads it (a number or a string; anything else is no id). */
function idText(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? '');
}
/** Whether a Bot API answer is `{ ok: true, result: [] }`. */
function isEmptyResult(body: Buffer): boolean {
  try {
    const r = (JSON.parse(body.toString('utf8')) as { result?: unknown }).result;
    return Array.isArray(r) && r.length === 0;
  } catch {
    return false;
  }
}

function textOf(v: unknown): string {
  return v === undefined || v === null ? '' : idText(v);
}

export * from './strict-bot-rules.js';

export interface StrictBotApiOptions {
  /** Overall message rate of the bot. @defaultValue `{ perSecond: 30, burst: 35 }` */
  overall?: RateLimit;
  /** Message rate in one chat. @defaultValue `{ perSecond: 1, burst: 3 }` */
  perChat?: RateLimit;
  /** The time in ms; tests of the limits pass a controllable one. @defaultValue Date.now */
  now?: () => number;
  /** Chats known besides those whose user wrote through the emulator (e.g. people a test made in the database). */
  knownChat?: (chatId: string) => boolean;
}

/** A request the double refused, with Telegram's answer. */
export interface Refusal {
  method: string;
  params: Record<string, unknown>;
  status: number;
  description: string;
}

export interface StrictBotApi {
  /** What the bot should use as TELEGRAM_API_ROOT / apiRoot. */
  readonly apiRoot: string;
  /** Every refused request, oldest first. */
  readonly refusals: Refusal[];
  /**
   * 429s the bot answered as Telegram asks — the same request again once retry_after had passed (whatever
   * the answer to it): not refusals. A 429 answered too early, or never, stays in {@link refusals}.
   */
  readonly honoured: Refusal[];
  /** Marks a chat as one whose user has written to the bot (e.g. a person made straight in the database). */
  knowChat(chatId: number | string): void;
  /** Marks a chat as blocked by its user (403), or unblocks it. */
  block(chatId: number | string, blocked?: boolean): void;
  /**
   * From now on answers every request of `method` with this error (a test of the bot's resilience), or only
   * the next `times` of them; without an error, stops.
   */
  refuse(method: string, error?: { status: number; description: string; retryAfter?: number }, times?: number): void;
  /** The command lists setMyCommands set, by scope and language (`default`, `chat:<id>`, `/ru`…). */
  readonly commands: Map<string, Array<{ command: string; description: string }>>;
  /** Changes the flood limits from now on (buckets start full). */
  setLimits(limits: { overall?: RateLimit; perChat?: RateLimit }): void;
  /** Forgets refusals, blocks, limits' state and chats made known by {@link knowChat}. */
  reset(): void;
  close(): Promise<void>;
}

interface Stored {
  messageId: number;
  message: { chat_id: unknown; text?: string; reply_markup?: unknown };
}

/** Starts the strict proxy in front of a started `telegram-test-api` server. */
export async function startStrictBotApi(upstream: TelegramServer, opts: StrictBotApiOptions = {}): Promise<StrictBotApi> {
  let closing = false;
  const now = opts.now ?? Date.now;
  let limits = { overall: opts.overall ?? { perSecond: 30, burst: 35 }, perChat: opts.perChat ?? { perSecond: 1, burst: 3 } };
  let overall = new Bucket(limits.overall, now());
  let chats = new Map<string, Bucket>();
  const known = new Set<string>();
  const blocked = new Set<string>();
  const refusals: Refusal[] = [];
  const honouredRefusals: Refusal[] = [];
  /** When each 429 refusal's retry_after has passed (by `now`). */
  const retryAt = new WeakMap<Refusal, number>();
  const forced = new Map<string, { status: number; description: string; retryAfter?: number }>();
  /** Refusals of `forced` left before it lifts itself (absent: until lifted). */
  const forcedLeft = new Map<string, number>();
  const commands = new Map<string, Array<{ command: string; description: string }>>();

  /** Per chat: updates the bot has fetched from its user, and how many of them the chat's bucket has seen. */
  const updatesFetched = new Map<string, number>();
  const updatesSeen = new Map<string, number>();
  const noteUpdates = (body: Buffer) => {
    const updates = (JSON.parse(body.toString('utf8')) as { result?: UpdateShape[] }).result ?? [];
    for (const u of updates) {
      const from = u.message?.chat?.id ?? u.callback_query?.message?.chat?.id ?? u.callback_query?.from?.id;
      if (from !== undefined) updatesFetched.set(String(from), (updatesFetched.get(String(from)) ?? 0) + 1);
    }
  };

  const wroteToBot = (chat: string): boolean => {
    if (known.has(chat) || opts.knownChat?.(chat)) return true;
    for (const u of upstream.storage.userMessages as unknown as StoredUserMessage[]) {
      const ids = [u.message?.chat?.id, u.message?.from?.id, u.callbackQuery?.from?.id, u.callbackQuery?.message?.chat?.id];
      if (ids.some((id) => id !== undefined && String(id) === chat)) {
        known.add(chat);
        return true;
      }
    }
    return false;
  };
  const findMessage = (chat: string, id: unknown): Stored | undefined =>
    (upstream.storage.botMessages as unknown as Stored[]).find(
      (m) => String(m.messageId) === String(id) && String(m.message.chat_id) === chat,
    );

  /** The refusal Telegram would answer, or undefined to forward the request. */
  function check(method: string, p: Record<string, unknown>): { status: number; description: string; retryAfter?: number } | undefined {
    const bad = (description: string) => ({ status: 400, description });
    if (forced.has(method)) {
      const left = forcedLeft.get(method);
      if (left !== undefined && left <= 1) {
        forcedLeft.delete(method);
        const once = forced.get(method);
        forced.delete(method);
        return once;
      }
      if (left !== undefined) forcedLeft.set(method, left - 1);
      return forced.get(method);
    }
    const chat = p.chat_id === undefined ? undefined : idText(p.chat_id);
    const scope = (typeof p.scope === 'string' ? JSON.parse(p.scope) : p.scope) as { type?: string; chat_id?: unknown } | undefined;
    if (scope?.chat_id !== undefined && !wroteToBot(idText(scope.chat_id))) return bad('Bad Request: chat not found');
    if (TO_A_CHAT.has(method)) {
      if (chat === undefined || chat === '') return bad('Bad Request: chat_id is empty');
      if (!wroteToBot(chat)) return bad('Bad Request: chat not found');
      if (blocked.has(chat)) return { status: 403, description: 'Forbidden: bot was blocked by the user' };
    }
    if (method === 'sendMessage' || method === 'editMessageText') {
      const text = visibleText(textOf(p.text), p.parse_mode as string | undefined);
      if (text.trim() === '') return bad('Bad Request: message text is empty');
      if (text.length > MAX_TEXT)
        return bad(method === 'sendMessage' ? 'Bad Request: message is too long' : 'Bad Request: MESSAGE_TOO_LONG');
      const entities = entitiesProblem(textOf(p.text), p.entities, p.parse_mode);
      if (entities) return bad(entities);
    }
    if (p.reply_markup !== undefined) {
      const problem = keyboardProblem(p.reply_markup);
      if (problem) return bad(problem);
    }
    if (method === 'editMessageText' || method === 'editMessageReplyMarkup') {
      const current = findMessage(chat!, p.message_id);
      if (!current) return bad('Bad Request: message to edit not found');
      const markupOf = (m: unknown) => JSON.stringify((typeof m === 'string' ? JSON.parse(m) : m) ?? { inline_keyboard: [] });
      const sameText = method === 'editMessageReplyMarkup' || current.message.text === p.text;
      if (sameText && markupOf(current.message.reply_markup) === markupOf(p.reply_markup)) return bad(NOT_MODIFIED);
    }
    if (method === 'deleteMessage' && !findMessage(chat!, p.message_id)) {
      const users = upstream.storage.userMessages as unknown as Array<{ messageId: number }>;
      if (!users.some((u) => String(u.messageId) === String(p.message_id))) return bad('Bad Request: message to delete not found');
    }
    if (method === 'answerCallbackQuery' && textOf(p.text).length > MAX_CALLBACK_ANSWER) return bad('Bad Request: MESSAGE_TOO_LONG');
    if (COUNTED.has(method) && chat !== undefined) {
      const t = now();
      let bucket = chats.get(chat);
      const updates = updatesFetched.get(chat) ?? 0;
      if (!bucket || updates !== updatesSeen.get(chat)) chats.set(chat, (bucket = new Bucket(limits.perChat, t)));
      updatesSeen.set(chat, updates);
      const wait = Math.max(overall.take(t, false), bucket.take(t, false));
      if (wait > 0) {
        const retryAfter = Math.max(1, Math.ceil(wait / 1000));
        return { status: 429, description: `Too Many Requests: retry after ${retryAfter}`, retryAfter };
      }
      overall.take(t, true);
      bucket.take(t, true);
    }
    return undefined;
  }

  function local(method: string, p: Record<string, unknown>): unknown {
    const scope = (typeof p.scope === 'string' ? JSON.parse(p.scope) : p.scope) as { type?: string; chat_id?: unknown } | undefined;
    const key = `${scope?.chat_id !== undefined ? `chat:${idText(scope.chat_id)}` : (scope?.type ?? 'default')}/${textOf(p.language_code)}`;
    if (method === 'sendChatAction') return true;
    if (method === 'deleteMyCommands') {
      commands.delete(key);
      return true;
    }
    if (method === 'setMyCommands') {
      const list = (typeof p.commands === 'string' ? JSON.parse(p.commands) : p.commands) as Array<{
        command: string;
        description: string;
      }>;
      const ok = Array.isArray(list) && list.length <= 100;
      const each = list.every(
        (c) =>
          /^[a-z0-9_]{1,32}$/.test(c.command) &&
          typeof c.description === 'string' &&
          c.description.length >= 1 &&
          c.description.length <= 256,
      );
      if (!ok || !each) throw Object.assign(new Error('Bad Request: BOT_COMMAND_INVALID'), { status: 400 });
      commands.set(key, list);
      return true;
    }
    return undefined;
  }

  const upstreamRoot = upstream.config.apiURL;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://double');
        const method = url.pathname.split('/').pop() ?? '';
        const answer = (status: number, json: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(json));
        };
        let params: Record<string, unknown> = Object.fromEntries(url.searchParams);
        const type = req.headers['content-type'] ?? '';
        if (type.startsWith('application/json') && body.length) params = { ...params, ...(JSON.parse(body.toString('utf8')) as object) };
        else if (type.startsWith('application/x-www-form-urlencoded'))
          params = { ...params, ...Object.fromEntries(new URLSearchParams(body.toString('utf8'))) };
        // The same request as a 429 refused, sent again once its retry_after has passed: that 429 was honoured.
        const same = JSON.stringify(params);
        const earlier429 = (r: Refusal) => r.status === 429 && r.method === method && JSON.stringify(r.params) === same;
        const waited = refusals.findIndex((r) => earlier429(r) && (retryAt.get(r) ?? Infinity) <= now());
        if (waited >= 0) honouredRefusals.push(...refusals.splice(waited, 1));
        const refusal = check(method, params);
        if (refusal) {
          const refused = { method, params, status: refusal.status, description: refusal.description };
          refusals.push(refused);
          if (refusal.retryAfter !== undefined) retryAt.set(refused, now() + refusal.retryAfter * 1000);
          return answer(refusal.status, {
            ok: false,
            error_code: refusal.status,
            description: refusal.description,
            ...(refusal.retryAfter !== undefined ? { parameters: { retry_after: refusal.retryAfter } } : {}),
          });
        }
        try {
          const result = local(method, params);
          if (result !== undefined) return answer(200, { ok: true, result });
        } catch (err) {
          const description = (err as Error).message;
          refusals.push({ method, params, status: 400, description });
          return answer(400, { ok: false, error_code: 400, description });
        }
        const forward = async () => {
          const r = await fetch(`${upstreamRoot}${url.pathname}${url.search}`, {
            method: req.method ?? 'POST',
            headers: type ? { 'content-type': type } : {},
            ...(body.length ? { body } : {}),
          });
          return { r, bytes: Buffer.from(await r.arrayBuffer()) };
        };
        let { r: forwarded, bytes: answered } = await forward();
        // Long polling as Telegram does it: with `timeout`, getUpdates waits (here up to 25 s) until an update
        // comes. telegram-test-api answers at once, which makes a polling bot spin.
        const waitS = method === 'getUpdates' ? Math.min(Number(params.timeout ?? 0) || 0, 25) : 0;
        const until = Date.now() + waitS * 1000;
        while (waitS > 0 && forwarded.ok && !closing && Date.now() < until && isEmptyResult(answered)) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          ({ r: forwarded, bytes: answered } = await forward());
        }
        if (method === 'getUpdates' && forwarded.ok) noteUpdates(answered);
        // Going through is the only way past the limiter: a 429 of this request still open is answered too
        // (a test that lifts a forced refusal does not wait in real time).
        if (forwarded.ok) {
          const open = refusals.findIndex(earlier429);
          if (open >= 0) honouredRefusals.push(...refusals.splice(open, 1));
        }
        res.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/json' });
        res.end(answered);
      })().catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error_code: 500, description: `double: ${(err as Error).message}` }));
      });
    });
  });
  // Telegram keeps an idle connection open far longer than Node's 5 s default. With 5 s, a client whose
  // keep-alive socket sat idle about that long (telegraf waits 5 s after a failed getUpdates) sends its next
  // request as the server closes the socket: "socket hang up", again and again.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    refusals,
    honoured: honouredRefusals,
    commands,
    refuse: (method, error, times) => {
      forcedLeft.delete(method);
      if (!error) return void forced.delete(method);
      forced.set(method, error);
      if (times !== undefined) forcedLeft.set(method, times);
    },
    knowChat: (id) => void known.add(String(id)),
    block: (id, on = true) => void (on ? blocked.add(String(id)) : blocked.delete(String(id))),
    setLimits(next) {
      limits = { overall: next.overall ?? limits.overall, perChat: next.perChat ?? limits.perChat };
      overall = new Bucket(limits.overall, now());
      chats = new Map();
    },
    reset() {
      refusals.length = 0;
      honouredRefusals.length = 0;
      forced.clear();
      forcedLeft.clear();
      blocked.clear();
      known.clear();
      overall = new Bucket(limits.overall, now());
      chats = new Map();
    },
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
