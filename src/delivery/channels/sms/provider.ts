/** The narrow contract every SMS gateway keeps; one vendor per file beside this one. */
import type { SmsProviderName } from '../../../domain/types.js';
import type { Receipt } from '../types.js';

export interface SmsProviderOptions {
  /** Gateway base URL, from configuration (SMSRU_BASE_URL …); tests point it at a double on loopback. */
  baseUrl: string;
  /** sms.ru login, SMSC login, SMS Aero e-mail, Twilio Account SID. Absent for sms.ru with api_id. */
  login?: string;
  /** Password, api_id, API key or auth token, decrypted. Never logged. */
  secret: string;
  /** Which kind of secret: `api_id` or `password` (sms.ru), `password` (SMSC), `api_key` (SMS Aero), `auth_token` (Twilio). */
  secretKind: 'api_id' | 'password' | 'api_key' | 'auth_token';
  /** Approved sender name (Twilio: the From number); absent: the account's default number sends. */
  sender?: string;
  /** Ask the gateway to transliterate Cyrillic (sms.ru `translit=1`). */
  translit?: boolean;
  /** Gateway test mode (sms.ru `test=1`): nothing is sent or charged. */
  testMode?: boolean;
  /** Timeout of every request, in ms. @defaultValue 10_000 */
  timeoutMs?: number;
}

export interface SmsMessage {
  /** E.164, with the +. */
  to: string;
  text: string;
}

/** A delivery report from the gateway. */
export interface SmsReport {
  /** Provider's status code, as text (sms.ru 103 = delivered). */
  code: string;
  text: string;
  /** True once the status will not change any more (delivered, or a final failure). */
  final: boolean;
  delivered: boolean;
}

export interface SmsBalance {
  amount: number;
  currency: string;
}

export interface SmsProvider {
  readonly name: SmsProviderName;
  /**
   * Sends one text to one number and resolves with the gateway's message id.
   * Throws TemporaryDeliveryError (timeouts, HTTP 5xx, "retry later") or PermanentDeliveryError
   * (bad number, unapproved sender, no money, refused credentials) — see ../types.ts.
   */
  send(message: SmsMessage): Promise<Receipt>;
  /** Checks the credentials; resolves with a short human description (e.g. the balance) or throws. */
  check(): Promise<string>;
  balance(): Promise<SmsBalance>;
  /** Approved sender names; undefined where the provider has no such list. */
  senders?(): Promise<string[]>;
  /** Delivery reports for message ids; ids the gateway does not know are left out. */
  status?(ids: string[]): Promise<Map<string, SmsReport>>;
  /** What sending would cost, where the gateway tells. */
  cost?(message: SmsMessage): Promise<{ cost: number; parts: number }>;
}
