/**
 * Loopback doubles of the SMS gateways: each answers as the gateway's documented HTTP API does and records
 * every request. Point a provider's `baseUrl` at `double.baseUrl`.
 *
 * ```ts
 * const smsru = await startSmsRuDouble({ apiId: 'k' });
 * const provider = createSmsProvider('smsru', { baseUrl: smsru.baseUrl, secret: 'k', secretKind: 'api_id' });
 * smsru.nextCodes(201);                  // the next message: no money
 * smsru.numberCodes.set('79990000000', 202); // this number: always a bad number
 * smsru.setMode('down');                 // every request: HTTP 503, Retry-After: 2
 * smsru.report(103);                     // sms/status: every issued id is delivered
 * await smsru.close();
 * ```
 * Cheap enough for thousands of requests: no logging, nothing but the arrays below is kept.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { analyzeSms } from '../../src/domain/sms-segments.js';

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

interface Answer {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** Starts a server that records each request, applies the mode, and answers with `handle`. */
async function startDouble<E extends object>(
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

function record(req: IncomingMessage, body: string): RecordedRequest {
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

function basicAuth(req: RecordedRequest): [string, string] | undefined {
  const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? undefined : [decoded.slice(0, i), decoded.slice(i + 1)];
}

// ---------------------------------------------------------------- sms.ru

const SMSRU_TEXTS: Record<number, string> = {
  [-1]: 'Сообщение не найдено',
  100: 'Сообщение находится в нашей очереди',
  101: 'Сообщение передается оператору',
  102: 'Сообщение отправлено (в пути)',
  103: 'Сообщение доставлено',
  104: 'Не может быть доставлено: время жизни истекло',
  105: 'Не может быть доставлено: удалено оператором',
  106: 'Не может быть доставлено: сбой в телефоне',
  107: 'Не может быть доставлено: неизвестная причина',
  108: 'Не может быть доставлено: отклонено',
  150: 'Не может быть доставлено: не найден маршрут на данный номер',
  200: 'Неправильный api_id',
  201: 'Не хватает средств на лицевом счету',
  202: 'Неправильно указан номер телефона получателя, либо на него нет маршрута',
  203: 'Нет текста сообщения',
  204: 'Имя отправителя не согласовано с администрацией',
  205: 'Сообщение слишком длинное (превышает 8 СМС)',
  207: 'На этот номер (или один из номеров) нельзя отправлять сообщения, либо указано более 100 номеров в списке получателей',
  220: 'Сервис временно недоступен, попробуйте чуть позже',
  301: 'Неправильный пароль, либо пользователь не найден',
  500: 'Ошибка на сервере. Повторите запрос.',
};
const smsRuText = (code: number) => SMSRU_TEXTS[code] ?? `Ошибка ${code}`;

/** A message sms.ru accepted (status_code 100). */
export interface SmsRuAccepted {
  id: string;
  /** Digits, as sent in `to`. */
  to: string;
  msg: string;
  from?: string;
  /** Sent with `test=1`. */
  test: boolean;
  translit: boolean;
}

export interface SmsRuDoubleOptions extends DoubleOptions {
  /** The api_id the double accepts. @defaultValue 'test-api-id' */
  apiId?: string;
  /** Login and password the double accepts instead of the api_id. */
  login?: string;
  password?: string;
  /** `my/balance`, in RUB. @defaultValue 1000 */
  balance?: number;
  /** Approved senders (`my/senders`); `from` outside them gets 204. @defaultValue ['TaskWatch'] */
  senders?: string[];
  /** Price of one part for `sms/cost` and the answers, in RUB. @defaultValue 4.5 */
  price?: number;
}

export interface SmsRuDouble extends GatewayDouble<{ code: number; text?: string }> {
  /** Messages accepted by `sms/send`, oldest first. */
  readonly accepted: SmsRuAccepted[];
  /** Per-number status codes for the next messages, one each, in order (100 accepts). */
  nextCodes(...codes: number[]): void;
  /** Phone (digits) → status code for every message to it. */
  readonly numberCodes: Map<string, number>;
  /** Makes this share of messages fail with `code` (default 220), deterministically: 0.1 fails every 10th. */
  failureRatio(ratio: number, code?: number): void;
  /** What `sms/status` reports for the given issued ids, or for all of them and those issued later (default 102). */
  report(code: number, ids?: string[]): void;
  balance: number;
  senders: string[];
}

/**
 * A double of sms.ru: `sms/send`, `sms/status`, `sms/cost`, `my/balance`, `my/senders`, `auth/check`, by
 * GET or POST. A wrong api_id gets the top-level error 200 (login/password: 301); a `to` that is not 10–15
 * digits gets 202, an unknown `from` 204, a text over 8 parts 205, an empty text 203.
 * Without `json=1` it answers plain text, as sms.ru does.
 */
export async function startSmsRuDouble(options: SmsRuDoubleOptions = {}): Promise<SmsRuDouble> {
  const apiId = options.apiId ?? 'test-api-id';
  const price = options.price ?? 4.5;
  const accepted: SmsRuAccepted[] = [];
  const byId = new Map<string, SmsRuAccepted>();
  const queue: number[] = [];
  const numberCodes = new Map<string, number>();
  const reports = new Map<string, number>();
  let defaultReport = 102;
  let failure = { ratio: 0, code: 220, seen: 0 };
  let issued = 0;
  const state = { balance: options.balance ?? 1000, senders: options.senders ?? ['TaskWatch'] };

  const forcedCode = (to: string): number | undefined => {
    const queued = queue.shift();
    if (queued !== undefined) return queued;
    const fixed = numberCodes.get(to);
    if (fixed !== undefined) return fixed;
    if (failure.ratio > 0) {
      const n = failure.seen++;
      if (Math.floor((n + 1) * failure.ratio) > Math.floor(n * failure.ratio)) return failure.code;
    }
    return undefined;
  };
  const codeFor = (to: string, f: Record<string, string>, parts: number) =>
    forcedCode(to) ??
    (!/^\d{10,15}$/.test(to) ? 202 : !f.msg ? 203 : f.from && !state.senders.includes(f.from) ? 204 : parts > 8 ? 205 : 100);
  const error = (code: number) => ({ status: 'ERROR', status_code: code, status_text: smsRuText(code) });

  const handle = (req: RecordedRequest): Answer => {
    const f = req.fields;
    const route = req.path.replace(/\/+$/, '');
    const routes = ['/sms/send', '/sms/status', '/sms/cost', '/my/balance', '/my/senders', '/auth/check'];
    if (!routes.includes(route)) return { status: 404, text: '<html><body>404 Not Found</body></html>' };
    const authorised =
      f.api_id !== undefined ? f.api_id === apiId : f.login === options.login && f.password === options.password && !!options.login;
    const answer = (json: Record<string, unknown>): Answer =>
      f.json === '1' ? { json } : { text: `${String(json.status_code)}\n`, headers: { 'content-type': 'text/plain' } };
    if (!authorised) return answer(error(f.api_id !== undefined || !f.login ? 200 : 301));
    const ok = { status: 'OK', status_code: 100 };
    const numbers = (f.to ?? '').split(',').filter(Boolean);
    const parts = analyzeSms(f.msg ?? '').parts;
    switch (route) {
      case '/sms/send': {
        const sms: Record<string, unknown> = {};
        for (const to of numbers) {
          const code = codeFor(to, f, parts);
          if (code !== 100) {
            sms[to] = error(code);
            continue;
          }
          const id = `000000-${10_000_000 + ++issued}`;
          const entry = {
            id,
            to,
            msg: f.msg ?? '',
            ...(f.from ? { from: f.from } : {}),
            test: f.test === '1',
            translit: f.translit === '1',
          };
          accepted.push(entry);
          byId.set(id, entry);
          sms[to] = { status: 'OK', status_code: 100, sms_id: id };
        }
        return answer({ ...ok, sms, balance: state.balance });
      }
      case '/sms/status': {
        const sms: Record<string, unknown> = {};
        for (const id of (f.sms_id ?? '').split(',').filter(Boolean)) {
          const sent = byId.get(id);
          const code = sent ? (reports.get(id) ?? defaultReport) : -1;
          const cost = sent ? price * analyzeSms(sent.msg).parts : 0;
          sms[id] = sent ? { status: 'OK', status_code: code, cost, status_text: smsRuText(code) } : error(-1);
        }
        return answer({ ...ok, sms });
      }
      case '/sms/cost': {
        const sms: Record<string, unknown> = {};
        for (const to of numbers) {
          const code = /^\d{10,15}$/.test(to) ? 100 : 202;
          sms[to] = code === 100 ? { status: 'OK', status_code: 100, cost: price * parts, sms: parts } : error(code);
        }
        return answer({ ...ok, sms, total_cost: price * parts * numbers.length, total_sms: parts * numbers.length });
      }
      case '/my/balance':
        return answer({ ...ok, balance: state.balance });
      case '/my/senders':
        return answer({ ...ok, senders: state.senders });
      default:
        return answer(ok);
    }
  };

  const base = await startDouble<{ code: number; text?: string }>(
    options,
    handle,
    (e, req) =>
      req.fields.json === '1' ? { json: { ...error(e.code), ...(e.text ? { status_text: e.text } : {}) } } : { text: `${e.code}\n` },
    () => {
      accepted.length = 0;
      byId.clear();
      queue.length = 0;
      numberCodes.clear();
      reports.clear();
      defaultReport = 102;
      failure = { ratio: 0, code: 220, seen: 0 };
    },
  );
  return {
    ...base,
    accepted,
    numberCodes,
    nextCodes: (...codes: number[]) => void queue.push(...codes),
    failureRatio: (ratio: number, code = 220) => {
      failure = { ratio, code, seen: 0 };
    },
    report: (code: number, ids?: string[]) => {
      if (ids) for (const id of ids) reports.set(id, code);
      else {
        reports.clear();
        defaultReport = code;
      }
    },
    get balance() {
      return state.balance;
    },
    set balance(v: number) {
      state.balance = v;
    },
    get senders() {
      return state.senders;
    },
    set senders(v: string[]) {
      state.senders = v;
    },
  };
}

// ---------------------------------------------------------------- SMSC.ru

const SMSC_TEXTS: Record<number, string> = {
  1: 'parameters error',
  2: 'authorise error',
  3: 'no money',
  4: 'IP is blocked',
  5: 'invalid date format',
  6: 'message is denied',
  7: 'invalid number',
  8: 'cannot deliver message to this number',
  9: 'duplicate request, wait a minute',
};

export interface SmscDoubleOptions extends DoubleOptions {
  /** @defaultValue 'test-login' */
  login?: string;
  /** @defaultValue 'test-password' */
  password?: string;
  /** In RUB. @defaultValue 1000 */
  balance?: number;
  /** Approved senders; a `sender` outside them gets error 6. @defaultValue ['TaskWatch'] */
  senders?: string[];
  /** Price of one part, in RUB. @defaultValue 2.5 */
  price?: number;
}

/** A double of SMSC.ru `/sys/send.php`, `/sys/balance.php`, `/sys/senders.php` (`fmt=3` JSON; other fmt: text). */
export async function startSmscDouble(options: SmscDoubleOptions = {}): Promise<GatewayDouble<{ code: number }>> {
  const login = options.login ?? 'test-login';
  const password = options.password ?? 'test-password';
  const senders = options.senders ?? ['TaskWatch'];
  const price = options.price ?? 2.5;
  const balance = options.balance ?? 1000;
  let issued = 0;
  const fail = (code: number): Answer => ({ json: { error: SMSC_TEXTS[code] ?? 'error', error_code: code } });

  const handle = (req: RecordedRequest): Answer => {
    const f = req.fields;
    if (f.fmt !== '3') return { text: 'ERROR = 1 (parameters error)', headers: { 'content-type': 'text/plain' } };
    if (f.login !== login || f.psw !== password) return fail(2);
    switch (req.path) {
      case '/sys/send.php': {
        const phones = (f.phones ?? '').split(/[,;]/).filter(Boolean);
        if (!f.mes || phones.length === 0) return fail(1);
        if (phones.some((p) => !/^\+?\d{10,15}$/.test(p))) return fail(7);
        if (f.sender && !senders.includes(f.sender)) return fail(6);
        const cnt = analyzeSms(f.mes).parts * phones.length;
        const cost = (cnt * price).toFixed(2);
        if (f.cost === '1') return { json: { cost, cnt } };
        const id = ++issued;
        if (f.cost === '2' || f.cost === '3') return { json: { id, cnt, cost, balance: (balance - cnt * price).toFixed(2) } };
        return { json: { id, cnt } };
      }
      case '/sys/balance.php':
        return { json: { balance: balance.toFixed(2), ...(f.cur === '1' ? { currency: 'RUR' } : {}) } };
      case '/sys/senders.php':
        return f.get === '1' ? { json: senders.map((sender) => ({ sender })) } : fail(1);
      default:
        return { status: 404, text: '<html><body>404 Not Found</body></html>' };
    }
  };
  return startDouble<{ code: number }>(options, handle, (e) => fail(e.code));
}

// ---------------------------------------------------------------- SMS Aero

export interface SmsAeroDoubleOptions extends DoubleOptions {
  /** @defaultValue 'user@example.org' */
  email?: string;
  /** @defaultValue 'test-api-key' */
  apiKey?: string;
  /** In RUB. @defaultValue 1000 */
  balance?: number;
  /** Approved signatures; a `sign` outside them is a validation error. @defaultValue ['TaskWatch'] */
  signs?: string[];
}

/** An SMS Aero error answer for every request: HTTP status, `message` and optional `data`. */
export interface SmsAeroError {
  status: number;
  message: string;
  data?: unknown;
}

/** A double of SMS Aero API v2 (basic auth): `sms/send`, `sms/testsend`, `balance`, `sign/list`. */
export async function startSmsAeroDouble(options: SmsAeroDoubleOptions = {}): Promise<GatewayDouble<SmsAeroError>> {
  const email = options.email ?? 'user@example.org';
  const apiKey = options.apiKey ?? 'test-api-key';
  const signs = options.signs ?? ['TaskWatch'];
  let issued = 0;
  const fail = (e: SmsAeroError): Answer => ({ status: e.status, json: { success: false, data: e.data ?? null, message: e.message } });

  const handle = (req: RecordedRequest): Answer => {
    const auth = basicAuth(req);
    if (!auth || auth[0] !== email || auth[1] !== apiKey) return fail({ status: 401, message: 'Not authorized.' });
    const f = req.fields;
    const ok = (data: unknown): Answer => ({ json: { success: true, data, message: null } });
    switch (req.path.replace(/\/+$/, '')) {
      case '/sms/send':
      case '/sms/testsend': {
        if (!/^\d{10,15}$/.test(f.number ?? ''))
          return fail({ status: 400, message: 'Validation error.', data: { number: ['Invalid number'] } });
        if (!f.text) return fail({ status: 400, message: 'Validation error.', data: { text: ['Text cannot be blank.'] } });
        const sign = f.sign ?? 'SMS Aero';
        if (f.sign && !signs.includes(f.sign))
          return fail({ status: 400, message: 'Validation error.', data: { sign: ['Sign is not approved.'] } });
        const now = Math.floor(Date.now() / 1000);
        const parts = analyzeSms(f.text).parts;
        return ok({
          id: ++issued,
          from: sign,
          number: f.number,
          text: f.text,
          status: 0,
          extendStatus: 'queue',
          channel: 'FREE SIGN',
          cost: (parts * 4.99).toFixed(2),
          dateCreate: now,
          dateSend: now,
        });
      }
      case '/balance':
        return ok({ balance: options.balance ?? 1000 });
      case '/sign/list': {
        const page: Record<string, unknown> = { totalCount: String(signs.length), links: { self: '/v2/sign/list?page=1' } };
        signs.forEach((name, i) => (page[String(i)] = { id: i + 1, name, status: 1, extendStatus: 'approve' }));
        return ok(page);
      }
      default:
        return { status: 404, json: { success: false, data: null, message: 'Not Found' } };
    }
  };
  return startDouble<SmsAeroError>(options, handle, fail);
}

// ---------------------------------------------------------------- Twilio

export interface TwilioDoubleOptions extends DoubleOptions {
  /** @defaultValue 'AC00000000000000000000000000000000' */
  accountSid?: string;
  /** @defaultValue 'test-auth-token' */
  authToken?: string;
  /** The account's numbers, valid as `From`. @defaultValue ['+15005550006'] */
  numbers?: string[];
  /** `Balance.json`, in USD. @defaultValue 20 */
  balance?: number;
}

/** A Twilio REST error for every request: HTTP status, error code, message. */
export interface TwilioError {
  status: number;
  code: number;
  message?: string;
}

export interface TwilioDouble extends GatewayDouble<TwilioError> {
  /** What `Messages/{Sid}.json` reports as `status` for created messages. @defaultValue 'sent' */
  report(status: string): void;
}

/** A double of Twilio's Messages (create, fetch) and Balance resources under `/2010-04-01/Accounts/{Sid}/`. */
export async function startTwilioDouble(options: TwilioDoubleOptions = {}): Promise<TwilioDouble> {
  const sid = options.accountSid ?? 'AC00000000000000000000000000000000';
  const token = options.authToken ?? 'test-auth-token';
  const numbers = options.numbers ?? ['+15005550006'];
  const messages = new Map<string, Record<string, unknown>>();
  let reportStatus = 'sent';
  const fail = (e: TwilioError): Answer => ({
    status: e.status,
    json: {
      code: e.code,
      message: e.message ?? `Error ${e.code}`,
      more_info: `https://www.twilio.com/docs/errors/${e.code}`,
      status: e.status,
    },
  });

  const handle = (req: RecordedRequest): Answer => {
    const auth = basicAuth(req);
    if (!auth || auth[0] !== sid || auth[1] !== token) return fail({ status: 401, code: 20003, message: 'Authenticate' });
    const prefix = `/2010-04-01/Accounts/${sid}`;
    const f = req.fields;
    if (req.method === 'POST' && req.path === `${prefix}/Messages.json`) {
      if (!f.From) return fail({ status: 400, code: 21604, message: "A 'From' phone number is required." });
      if (!/^\+\d{8,15}$/.test(f.To ?? ''))
        return fail({ status: 400, code: 21211, message: `The 'To' number ${f.To ?? ''} is not a valid phone number.` });
      if (!numbers.includes(f.From)) {
        return fail({
          status: 400,
          code: 21606,
          message: `The From phone number ${f.From} is not a valid, SMS-capable inbound phone number or short code for your account.`,
        });
      }
      if (!f.Body) return fail({ status: 400, code: 21602, message: 'Message body is required.' });
      const messageSid = `SM${(messages.size + 1).toString(16).padStart(32, '0')}`;
      const now = new Date().toUTCString();
      const message = {
        account_sid: sid,
        api_version: '2010-04-01',
        body: f.Body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: f.From,
        messaging_service_sid: null,
        num_media: '0',
        num_segments: String(analyzeSms(f.Body).parts),
        price: null,
        price_unit: 'USD',
        sid: messageSid,
        status: 'queued',
        to: f.To,
        uri: `${prefix}/Messages/${messageSid}.json`,
      };
      messages.set(messageSid, message);
      return { status: 201, json: message };
    }
    const fetched = new RegExp(`^${prefix}/Messages/([^/]+)\\.json$`).exec(req.path);
    if (req.method === 'GET' && fetched?.[1]) {
      const message = messages.get(fetched[1]);
      if (!message) return fail({ status: 404, code: 20404, message: `The requested resource ${req.path} was not found` });
      return { json: { ...message, status: reportStatus, ...(reportStatus === 'undelivered' ? { error_code: 30003 } : {}) } };
    }
    if (req.method === 'GET' && req.path === `${prefix}/Balance.json`) {
      return { json: { currency: 'USD', balance: (options.balance ?? 20).toFixed(5), account_sid: sid } };
    }
    return fail({ status: 404, code: 20404, message: `The requested resource ${req.path} was not found` });
  };
  const base = await startDouble<TwilioError>(options, handle, fail, () => {
    messages.clear();
    reportStatus = 'sent';
  });
  return {
    ...base,
    report: (status: string) => {
      reportStatus = status;
    },
  };
}
