/**
 * A double of sms.ru (https://sms.ru/api/send): every documented answer that can happen to us, its balance,
 * its limits, and its own SMS part counter.
 */
import { startDouble, type Answer, type DoubleOptions, type GatewayDouble, type RecordedRequest } from './gateway-double.js';
import { countSmsParts } from './sms-parts.js';

/*
 * Codes and texts: sms.ru's list of answer codes (https://sms.ru/api/send, "Коды ответов"; as transcribed in
 * a public TypeScript client's SMSRuStatusCode table, found with the code search), and the JSON shape of
 * sms/send from https://sms.ru/api/send (mirror tele2.sms.ru/api/send): top-level {status, status_code,
 * sms: {<number>: {status: "OK"|"ERROR", status_code, sms_id | status_text}}, balance}. Per that list 233
 * is the limit on repeated messages with a code (confirmation codes) to one number, which we never send.
 * sms.ru publishes the limits' existence, not their thresholds: the double's are options (defaults below).
 */
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
  206: 'Будет превышен или уже превышен дневной лимит на отправку сообщений',
  207: 'На этот номер (или один из номеров) нельзя отправлять сообщения, либо указано более 100 номеров в списке получателей',
  209: 'Вы добавили этот номер (или один из номеров) в стоп-лист',
  220: 'Сервис временно недоступен, попробуйте чуть позже',
  230: 'Превышен общий лимит количества сообщений на этот номер в день',
  231: 'Превышен лимит одинаковых сообщений на этот номер в минуту',
  232: 'Превышен лимит одинаковых сообщений на этот номер в день',
  233: 'Превышен лимит отправки повторных сообщений с кодом на этот номер за короткий промежуток времени',
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
  /** Price of one part, in RUB: what `sms/cost` says and what an accepted part takes off the balance. @defaultValue 4.5 */
  price?: number;
  /** Messages the account may send a day (the account's own limit): over it, 206. @defaultValue unlimited */
  dailyLimit?: number;
  /** Messages to one number a day: over it, 230. @defaultValue 100 */
  perNumberDaily?: number;
  /** The same text to one number within a minute: over it, 231. @defaultValue 60 */
  sameTextPerMinute?: number;
  /** The same text to one number a day: over it, 232. @defaultValue 100 */
  sameTextDaily?: number;
  /** Numbers one request may name: over it, 207 for all of them. @defaultValue 100 */
  maxRecipients?: number;
  /** The time in ms, for the per-minute and per-day limits. @defaultValue Date.now */
  now?: () => number;
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
  /** The account's balance in RUB; each accepted message takes parts × price off it (not with test=1). */
  balance: number;
  senders: string[];
  /** Numbers (digits) the account put in its stop list: 209. */
  readonly stopList: Set<string>;
}

/**
 * A double of sms.ru: `sms/send`, `sms/status`, `sms/cost`, `my/balance`, `my/senders`, `auth/check`, by
 * GET or POST. A wrong api_id gets the top-level error 200 (login/password: 301). Per number, in this
 * order: a `to` that is not 10–15 digits 202, an empty text 203, an unknown `from` 204, a text over 8 parts
 * 205 (parts counted by the double's own counter, sms-parts.ts), a number in the stop list 209, the
 * account's daily limit 206, the number's daily limit 230, the same text to it within a minute 231 or a
 * day 232, a balance below the message's price 201. More than `maxRecipients` numbers: 207 for each.
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
  const now = options.now ?? Date.now;
  const stopList = new Set<string>();
  /** Accepted messages of the last day: when, to whom, what. */
  let recent: Array<{ at: number; to: string; msg: string }> = [];
  const limit = {
    daily: options.dailyLimit ?? Infinity,
    perNumber: options.perNumberDaily ?? 100,
    samePerMinute: options.sameTextPerMinute ?? 60,
    sameDaily: options.sameTextDaily ?? 100,
    recipients: options.maxRecipients ?? 100,
  };
  const codeFor = (to: string, f: Record<string, string>, cost: number, parts: number): number => {
    const forced = forcedCode(to);
    if (forced !== undefined) return forced;
    if (!/^\d{10,15}$/.test(to)) return 202;
    if (!f.msg) return 203;
    if (f.from && !state.senders.includes(f.from)) return 204;
    if (parts > 8) return 205;
    if (stopList.has(to)) return 209;
    const t = now();
    recent = recent.filter((r) => r.at > t - 86_400_000);
    if (recent.length >= limit.daily) return 206;
    const toNumber = recent.filter((r) => r.to === to);
    if (toNumber.length >= limit.perNumber) return 230;
    const same = toNumber.filter((r) => r.msg === f.msg);
    if (same.filter((r) => r.at > t - 60_000).length >= limit.samePerMinute) return 231;
    if (same.length >= limit.sameDaily) return 232;
    if (f.test !== '1' && state.balance < cost) return 201;
    return 100;
  };
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
    const parts = countSmsParts(f.msg ?? '').parts;
    switch (route) {
      case '/sms/send': {
        const sms: Record<string, unknown> = {};
        const cost = Math.round(price * parts * 100) / 100;
        for (const to of numbers) {
          const code = numbers.length > limit.recipients ? 207 : codeFor(to, f, cost, parts);
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
          recent.push({ at: now(), to, msg: entry.msg });
          if (!entry.test) state.balance = Math.round((state.balance - cost) * 100) / 100;
          sms[to] = { status: 'OK', status_code: 100, sms_id: id, sms: parts, cost };
        }
        return answer({ ...ok, sms, balance: state.balance });
      }
      case '/sms/status': {
        const sms: Record<string, unknown> = {};
        for (const id of (f.sms_id ?? '').split(',').filter(Boolean)) {
          const sent = byId.get(id);
          const code = sent ? (reports.get(id) ?? defaultReport) : -1;
          const cost = sent ? price * countSmsParts(sent.msg).parts : 0;
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
      stopList.clear();
      recent = [];
      state.balance = options.balance ?? 1000;
      reports.clear();
      defaultReport = 102;
      failure = { ratio: 0, code: 220, seen: 0 };
    },
  );
  return {
    ...base,
    accepted,
    numberCodes,
    stopList,
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
