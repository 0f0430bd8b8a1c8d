/** The SMS channel: picks the gateway client and adapts it to ChannelSender. */
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
