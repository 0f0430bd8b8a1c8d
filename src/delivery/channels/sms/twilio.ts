/**
 * Twilio Programmable Messaging (https://www.twilio.com/docs/messaging/api/message-resource): basic auth
 * `AccountSid:AuthToken`, form POST of `To`, `From`, `Body`; errors `{code, message, more_info, status}`.
 * Twilio has no test flag on the request (test credentials are a separate account), so testMode changes nothing.
 */
import type { SmsBalance, SmsMessage, SmsProvider, SmsProviderOptions, SmsReport } from './provider.js';
import { PermanentDeliveryError, TemporaryDeliveryError, type FailureCause, type Receipt } from '../types.js';
import { num, record, redact, requestJson, str } from './http.js';

const CAUSES: Record<number, FailureCause> = {
  20003: 'auth',
  20005: 'auth',
  21211: 'address',
  21214: 'address',
  21610: 'address',
  21612: 'address',
  21614: 'address',
  21212: 'sender',
  21606: 'sender',
  21659: 'sender',
  21660: 'sender',
  21408: 'config',
  21604: 'config',
};
const TEMPORARY = new Set([20429]);
const FAILED = new Set(['undelivered', 'failed', 'canceled']);

export class TwilioProvider implements SmsProvider {
  readonly name = 'twilio' as const;

  constructor(private readonly options: SmsProviderOptions) {}

  async send(message: SmsMessage): Promise<Receipt> {
    const from = this.options.sender;
    if (!from) throw new PermanentDeliveryError('Twilio: a sender (the From number) is needed', 'config');
    const body = await this.call('POST', 'Messages.json', { To: message.to, From: from, Body: message.text });
    const sid = str(body.sid);
    const parts = num(body.num_segments);
    const price = num(body.price);
    return {
      ...(sid ? { providerMessageId: sid } : {}),
      response: str(body.status) ?? 'queued',
      ...(parts !== undefined ? { parts } : {}),
      ...(price !== undefined ? { cost: Math.abs(price) } : {}),
    };
  }

  async check(): Promise<string> {
    const { amount, currency } = await this.balance();
    return `Twilio: credentials accepted, balance ${amount} ${currency}`;
  }

  async balance(): Promise<SmsBalance> {
    const body = await this.call('GET', 'Balance.json');
    const amount = num(body.balance);
    if (amount === undefined) throw new TemporaryDeliveryError('Twilio Balance.json: the answer has no balance');
    return { amount, currency: str(body.currency) ?? 'USD' };
  }

  /** One request per id; ids Twilio does not know (HTTP 404) are left out. */
  async status(ids: string[]): Promise<Map<string, SmsReport>> {
    const reports = new Map<string, SmsReport>();
    for (const id of ids) {
      let body: Record<string, unknown>;
      try {
        body = await this.call('GET', `Messages/${encodeURIComponent(id)}.json`);
      } catch (err) {
        if (err instanceof PermanentDeliveryError && err.code === '20404') continue;
        throw err;
      }
      const status = str(body.status) ?? 'unknown';
      const errorCode = str(body.error_code);
      reports.set(id, {
        code: status,
        text: errorCode ? `${status}, error ${errorCode}` : status,
        final: status === 'delivered' || FAILED.has(status),
        delivered: status === 'delivered',
      });
    }
    return reports;
  }

  private async call(method: 'GET' | 'POST', resource: string, form?: Record<string, string>): Promise<Record<string, unknown>> {
    const o = this.options;
    if (!o.login) throw new PermanentDeliveryError('Twilio: the Account SID is needed as login', 'config');
    const sid = o.login;
    const { status, body } = await requestJson({
      label: 'Twilio',
      method,
      url: `${o.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(sid)}/${resource}`,
      ...(form ? { form } : {}),
      headers: { authorization: `Basic ${Buffer.from(`${sid}:${o.secret}`).toString('base64')}` },
      timeoutMs: o.timeoutMs ?? 10_000,
      secrets: [o.secret],
    });
    const answer = record(body) ?? {};
    if (status < 400) return answer;
    const code = num(answer.code);
    const message = redact(`Twilio ${resource.split('/')[0]}: ${str(answer.message) ?? 'error'} (code ${code ?? 'none'}, HTTP ${status})`, [
      o.secret,
    ]);
    if (code !== undefined && TEMPORARY.has(code)) throw new TemporaryDeliveryError(message);
    const cause = (code !== undefined && CAUSES[code]) || (status === 401 ? 'auth' : 'other');
    throw new PermanentDeliveryError(message, cause, code === undefined ? String(status) : String(code));
  }
}
