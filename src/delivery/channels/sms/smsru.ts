/** sms.ru (https://sms.ru/api): form POSTs with `json=1`, answers `{status, status_code, ...}`. */
import type { SmsBalance, SmsMessage, SmsProvider, SmsProviderOptions, SmsReport } from './provider.js';
import { PermanentDeliveryError, TemporaryDeliveryError, type FailureCause, type Receipt } from '../types.js';
import { digitsOf, num, record, redact, requestJson, str } from './http.js';

const PERMANENT: Record<number, FailureCause> = {
  200: 'auth',
  300: 'auth',
  301: 'auth',
  302: 'auth',
  201: 'balance',
  202: 'address',
  207: 'address',
  204: 'sender',
  209: 'address', // the number is in the account's own stop list
};
const TEMPORARY = new Set([220, 500]);
/**
 * sms.ru's limits: they pass, so the message waits rather than fails. 206 the account's daily limit (the
 * admin set it: an alert), 230 messages to the number a day, 232 the same text to it a day — until sms.ru's
 * day ends (Moscow midnight); 231 the same text within a minute, 233 repeats within a short time — a minute.
 */
const LIMITS: Record<number, { until: 'day' | 'minute'; cause: FailureCause }> = {
  206: { until: 'day', cause: 'limit' },
  230: { until: 'day', cause: 'other' },
  231: { until: 'minute', cause: 'other' },
  232: { until: 'day', cause: 'other' },
  233: { until: 'minute', cause: 'other' },
};
const DAY = 86_400_000;
const MOSCOW_OFFSET = 3 * 3600_000; // UTC+3 all year

/** Milliseconds from `now` to the next midnight in Moscow, plus a minute. */
export function untilMoscowMidnight(now = Date.now()): number {
  const next = Math.floor((now + MOSCOW_OFFSET) / DAY) * DAY + DAY - MOSCOW_OFFSET;
  return next - now + 60_000;
}
const FINAL_FAILURES = new Set([104, 105, 106, 107, 108, 150]);
/** sms.ru takes at most 100 numbers or ids in one request. */
const BATCH = 100;

export class SmsRuProvider implements SmsProvider {
  readonly name = 'smsru' as const;

  /** What the options lack; every call then fails with cause `config` (construction never throws). */
  private readonly problem: string | undefined;

  constructor(private readonly options: SmsProviderOptions) {
    this.problem = options.secretKind === 'password' && !options.login ? 'sms.ru: a password needs a login as well' : undefined;
  }

  async send(message: SmsMessage): Promise<Receipt> {
    const to = digitsOf(message.to);
    const body = await this.call('sms/send', { ...this.messageFields(to, message), ...(this.options.testMode ? { test: '1' } : {}) });
    const entry = entryFor(body, to);
    const code = num(entry.status_code);
    if (code !== 100) throw this.error(code, str(entry.status_text), 'sms/send');
    const id = str(entry.sms_id);
    return {
      ...(id ? { providerMessageId: id } : {}),
      response: `100 ${str(entry.status_text) ?? 'accepted'}`,
      ...(num(entry.sms) !== undefined ? { parts: num(entry.sms) } : {}),
      ...(num(entry.cost) !== undefined ? { cost: num(entry.cost) } : {}),
    };
  }

  async check(): Promise<string> {
    await this.call('auth/check', {});
    const { amount, currency } = await this.balance();
    return `sms.ru: credentials accepted, balance ${amount} ${currency}`;
  }

  async balance(): Promise<SmsBalance> {
    const body = await this.call('my/balance', {});
    const amount = num(body.balance);
    if (amount === undefined) throw new TemporaryDeliveryError('sms.ru my/balance: the answer has no balance');
    return { amount, currency: 'RUB' };
  }

  async senders(): Promise<string[]> {
    const body = await this.call('my/senders', {});
    return Array.isArray(body.senders) ? body.senders.filter((s): s is string => typeof s === 'string') : [];
  }

  async status(ids: string[]): Promise<Map<string, SmsReport>> {
    const reports = new Map<string, SmsReport>();
    for (let i = 0; i < ids.length; i += BATCH) {
      const body = await this.call('sms/status', { sms_id: ids.slice(i, i + BATCH).join(',') });
      for (const [id, value] of Object.entries(record(body.sms) ?? {})) {
        const entry = record(value);
        const code = num(entry?.status_code);
        if (!entry || entry.status !== 'OK' || code === undefined) continue; // -1: unknown id
        reports.set(id, {
          code: String(code),
          text: str(entry.status_text) ?? '',
          final: code === 103 || FINAL_FAILURES.has(code),
          delivered: code === 103,
        });
      }
    }
    return reports;
  }

  async cost(message: SmsMessage): Promise<{ cost: number; parts: number }> {
    const to = digitsOf(message.to);
    const body = await this.call('sms/cost', this.messageFields(to, message));
    const entry = entryFor(body, to);
    const code = num(entry.status_code);
    if (code !== 100) throw this.error(code, str(entry.status_text), 'sms/cost');
    return { cost: num(entry.cost) ?? 0, parts: num(entry.sms) ?? 0 };
  }

  /** The form fields of one message, the same for sending it and for asking its cost. */
  private messageFields(to: string, message: SmsMessage): Record<string, string> {
    const o = this.options;
    return { to, msg: message.text, ...(o.sender ? { from: o.sender } : {}), ...(o.translit ? { translit: '1' } : {}) };
  }

  /** POSTs to `path` with the credentials and `json=1`; throws unless the top-level status is OK. */
  private async call(path: string, fields: Record<string, string>): Promise<Record<string, unknown>> {
    if (this.problem) throw new PermanentDeliveryError(this.problem, 'config');
    const o = this.options;
    const auth: Record<string, string> = o.secretKind === 'password' ? { login: o.login ?? '', password: o.secret } : { api_id: o.secret };
    const { body } = await requestJson({
      label: 'sms.ru',
      method: 'POST',
      url: `${o.baseUrl.replace(/\/+$/, '')}/${path}`,
      form: { ...auth, ...fields, json: '1' },
      timeoutMs: o.timeoutMs ?? 10_000,
      secrets: [o.secret],
    });
    const answer = record(body);
    if (!answer) throw new TemporaryDeliveryError(`sms.ru ${path}: the answer is not an object`);
    if (answer.status !== 'OK') throw this.error(num(answer.status_code), str(answer.status_text), path);
    return answer;
  }

  private error(code: number | undefined, text: string | undefined, path: string): Error {
    const message = redact(`sms.ru ${path}: ${text ?? 'error'} (code ${code ?? 'none'})`, [this.options.secret]);
    if (code !== undefined && TEMPORARY.has(code)) return new TemporaryDeliveryError(message);
    const limit = code === undefined ? undefined : LIMITS[code];
    if (limit) return new TemporaryDeliveryError(message, limit.until === 'day' ? untilMoscowMidnight() : 60_000, limit.cause);
    return new PermanentDeliveryError(
      message,
      (code !== undefined && PERMANENT[code]) || 'other',
      code === undefined ? undefined : String(code),
    );
  }
}

/** The per-number entry of an `sms` map; the only entry when sms.ru keyed it differently. */
function entryFor(body: Record<string, unknown>, phone: string): Record<string, unknown> {
  const map = record(body.sms) ?? {};
  const entry = record(map[phone]) ?? (Object.keys(map).length === 1 ? record(Object.values(map)[0]) : undefined);
  if (!entry) throw new TemporaryDeliveryError('sms.ru: the answer has no result for the number');
  return entry;
}
