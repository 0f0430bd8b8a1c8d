/**
 * SMSC.ru (https://smsc.ru/api/http/): form POSTs to `/sys/*.php` with `login`, `psw` and `fmt=3` (JSON).
 * Errors come as `{error, error_code}` with HTTP 200. POST keeps the password out of URLs.
 */
import type { SmsBalance, SmsMessage, SmsProvider, SmsProviderOptions } from './provider.js';
import { PermanentDeliveryError, TemporaryDeliveryError, type FailureCause, type Receipt } from '../types.js';
import { digitsOf, num, record, redact, requestJson, str } from './http.js';

const PERMANENT: Record<number, FailureCause> = { 2: 'auth', 3: 'balance', 6: 'sender', 7: 'address', 8: 'address' };
/** 4: IP blocked for a while after frequent errors; 9: too many (identical) requests. */
const TEMPORARY = new Set([4, 9]);

export class SmscProvider implements SmsProvider {
  readonly name = 'smsc' as const;

  constructor(private readonly options: SmsProviderOptions) {}

  /** In test mode asks only for the cost (`cost=1`): nothing is sent or charged, and there is no message id. */
  async send(message: SmsMessage): Promise<Receipt> {
    const body = await this.sendCommand(message, this.options.testMode ? '1' : '3');
    const id = str(body.id);
    const parts = num(body.cnt);
    const cost = num(body.cost);
    return {
      ...(id !== undefined ? { providerMessageId: id } : {}),
      response: this.options.testMode ? 'test mode: cost only, not sent' : `accepted, id ${id ?? 'none'}`,
      ...(parts !== undefined ? { parts } : {}),
      ...(cost !== undefined ? { cost } : {}),
    };
  }

  async check(): Promise<string> {
    const { amount, currency } = await this.balance();
    return `SMSC: credentials accepted, balance ${amount} ${currency}`;
  }

  async balance(): Promise<SmsBalance> {
    const body = record(await this.call('balance', { cur: '1' }));
    const amount = num(body?.balance);
    if (amount === undefined) throw new TemporaryDeliveryError('SMSC balance: the answer has no balance');
    const currency = str(body?.currency) ?? 'RUB';
    return { amount, currency: currency === 'RUR' ? 'RUB' : currency };
  }

  async senders(): Promise<string[]> {
    const body = await this.call('senders', { get: '1' });
    const list = Array.isArray(body) ? body : [];
    return list.map((s) => str(record(s)?.sender)).filter((s): s is string => s !== undefined);
  }

  async cost(message: SmsMessage): Promise<{ cost: number; parts: number }> {
    const body = await this.sendCommand(message, '1');
    return { cost: num(body.cost) ?? 0, parts: num(body.cnt) ?? 0 };
  }

  private async sendCommand(message: SmsMessage, cost: string): Promise<Record<string, unknown>> {
    const o = this.options;
    const body = record(
      await this.call('send', {
        phones: digitsOf(message.to),
        mes: message.text,
        charset: 'utf-8',
        cost,
        ...(o.sender ? { sender: o.sender } : {}),
        ...(o.translit ? { translit: '1' } : {}),
      }),
    );
    if (!body) throw new TemporaryDeliveryError('SMSC send: the answer is not an object');
    return body;
  }

  /** POSTs to `/sys/<script>.php`; throws on an `{error, error_code}` answer. */
  private async call(script: string, fields: Record<string, string>): Promise<unknown> {
    const o = this.options;
    if (!o.login) throw new PermanentDeliveryError('SMSC: a login is needed', 'config');
    const { body } = await requestJson({
      label: 'SMSC',
      method: 'POST',
      url: `${o.baseUrl.replace(/\/+$/, '')}/sys/${script}.php`,
      form: { login: o.login ?? '', psw: o.secret, ...fields, fmt: '3' },
      timeoutMs: o.timeoutMs ?? 10_000,
      secrets: [o.secret],
    });
    const answer = record(body);
    const code = num(answer?.error_code);
    if (answer && (code !== undefined || answer.error !== undefined)) {
      const message = redact(`SMSC ${script}: ${str(answer.error) ?? 'error'} (code ${code ?? 'none'})`, [o.secret]);
      if (code !== undefined && TEMPORARY.has(code)) throw new TemporaryDeliveryError(message);
      throw new PermanentDeliveryError(
        message,
        (code !== undefined && PERMANENT[code]) || 'other',
        code === undefined ? undefined : String(code),
      );
    }
    return body;
  }
}
