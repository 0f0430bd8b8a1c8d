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
import { basicAuth, startDouble, type Answer, type DoubleOptions, type GatewayDouble, type RecordedRequest } from './gateway-double.js';
import { countSmsParts } from './sms-parts.js';

export type { DoubleMode, DoubleOptions, GatewayDouble, RecordedRequest } from './gateway-double.js';
export * from './smsru-double.js';

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
        const cnt = countSmsParts(f.mes).parts * phones.length;
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
        const parts = countSmsParts(f.text).parts;
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
        num_segments: String(countSmsParts(f.Body).parts),
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
