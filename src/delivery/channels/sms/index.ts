/** The SMS channel: picks the gateway client, adapts it to ChannelSender, and normalises phone numbers. */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { SmsProviderName } from '../../../domain/types.js';
import type { ChannelSender, OutgoingMessage, Receipt } from '../types.js';
import type { SmsProvider, SmsProviderOptions } from './provider.js';
import { SmsAeroProvider } from './smsaero.js';
import { SmscProvider } from './smsc.js';
import { SmsRuProvider } from './smsru.js';
import { TwilioProvider } from './twilio.js';

export type { SmsProvider, SmsProviderOptions } from './provider.js';

/**
 * The client of one gateway. Never throws: when the options lack what the gateway needs (e.g. a login),
 * every call fails with PermanentDeliveryError cause `config`.
 */
export function createSmsProvider(name: SmsProviderName, options: SmsProviderOptions): SmsProvider {
  switch (name) {
    case 'smsru':
      return new SmsRuProvider(options);
    case 'smsc':
      return new SmscProvider(options);
    case 'smsaero':
      return new SmsAeroProvider(options);
    case 'twilio':
      return new TwilioProvider(options);
  }
}

/** Sends OutgoingMessage `{ to, text }` through the provider; `to` is an E.164 phone. */
export function smsChannel(provider: SmsProvider): ChannelSender {
  return {
    send: (message: OutgoingMessage): Promise<Receipt> => provider.send({ to: message.to, text: message.text }),
  };
}

/**
 * A phone as people type it (`+7 912 345-67-89`, `89123456789`, `8 (912) 345 67 89`) in E.164 (`+79123456789`),
 * or undefined when it is not a valid number. Numbers without `+` are read as numbers of `defaultCountry`.
 */
export function normalizePhone(input: string, defaultCountry: CountryCode = 'RU'): string | undefined {
  const phone = parsePhoneNumberFromString(input.trim(), defaultCountry);
  return phone?.isValid() ? phone.number : undefined;
}
