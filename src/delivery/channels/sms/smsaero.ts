/**
 * SMS Aero API v2 (https://smsaero.ru/integration/documentation/api/): basic auth `email:api_key`,
 * JSON POSTs (as the vendor's own clients send them), answers `{success, data, message}`.
 * v2 has no error codes: the cause is read from the HTTP status, the fields named in `data`, and `message`.
 */
import type { SmsBalance, SmsMessage, SmsProvider, SmsProviderOptions } from './provider.js';
import { PermanentDeliveryError, TemporaryDeliveryError, type FailureCause, type Receipt } from '../types.js';
import { digitsOf, num, record, redact, requestJson, str } from './http.js';

export class SmsAeroProvider implements SmsProvider {
  readonly name = 'smsaero' as const;

  constructor(private readonly options: SmsProviderOptions) {}

  /** Test mode uses `sms/testsend`: validated and answered like a real send, but not sent or charged. */
  async send(message: SmsMessage): Promise<Receipt> {
    const o = this.options;
    const data = record(
      await this.call(o.testMode ? 'sms/testsend' : 'sms/send', {
        number: digitsOf(message.to),
        text: message.text,
        ...(o.sender ? { sign: o.sender } : {}),
      }),
    );
    const id = str(data?.id);
    const cost = num(data?.cost);
    return {
      ...(id !== undefined ? { providerMessageId: id } : {}),
      response: str(data?.extendStatus) ?? 'accepted',
      ...(cost !== undefined ? { cost } : {}),
    };
  }

  async check(): Promise<string> {
    const { amount, currency } = await this.balance();
    return `SMS Aero: credentials accepted, balance ${amount} ${currency}`;
  }

  async balance(): Promise<SmsBalance> {
    const amount = num(record(await this.call('balance'))?.balance);
    if (amount === undefined) throw new TemporaryDeliveryError('SMS Aero balance: the answer has no balance');
    return { amount, currency: 'RUB' };
  }

  /** Approved signatures; `data` is a page keyed "0", "1", … beside `links` and `totalCount`. */
  async senders(): Promise<string[]> {
    const data = await this.call('sign/list');
    const items = Array.isArray(data) ? data : Object.values(record(data) ?? {});
    return items
      .map((item) => record(item))
      .filter((item) => item && str(item.name) !== undefined && (item.extendStatus ?? 'approve') === 'approve')
      .map((item) => str(item?.name) as string);
  }

  private async call(path: string, payload?: Record<string, string>): Promise<unknown> {
    const o = this.options;
    if (!o.login) throw new PermanentDeliveryError('SMS Aero: the account e-mail is needed as login', 'config');
    const { status, body } = await requestJson({
      label: 'SMS Aero',
      method: 'POST',
      url: `${o.baseUrl.replace(/\/+$/, '')}/${path}`,
      json: payload ?? {},
      headers: { authorization: `Basic ${Buffer.from(`${o.login ?? ''}:${o.secret}`).toString('base64')}` },
      timeoutMs: o.timeoutMs ?? 10_000,
      secrets: [o.secret],
    });
    const answer = record(body);
    if (answer?.success === true) return answer.data;
    const text = str(answer?.message) ?? str(answer?.result) ?? 'error';
    const message = redact(`SMS Aero ${path}: ${text} (HTTP ${status})`, [o.secret]);
    throw new PermanentDeliveryError(message, causeOf(status, text, record(answer?.data)), String(status));
  }
}

function causeOf(status: number, text: string, fields: Record<string, unknown> | undefined): FailureCause {
  if (status === 401 || status === 403) return 'auth';
  if (/no credits|money|balance|средств/i.test(text)) return 'balance';
  if (fields?.number !== undefined || /number|номер/i.test(text)) return 'address';
  if (fields?.sign !== undefined || /sign|подпис/i.test(text)) return 'sender';
  return 'other';
}
