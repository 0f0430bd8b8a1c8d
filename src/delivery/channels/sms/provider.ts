/** The narrow contract every SMS gateway keeps; one vendor per file beside this one. */
import type { SmsProviderName } from '../../../domain/types.js';
import type { Receipt } from '../types.js';

export type { SmsProviderOptions } from '../../../domain/gateways.js';

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
