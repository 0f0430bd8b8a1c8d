/**
 * The clients of the mail server and the SMS gateways, for the admin commands that talk to them directly:
 * `/smtp test`, `/sms test|balance|senders`. The bot reaches delivery through src/delivery/port.ts and,
 * for these checks, through here; the dispatch engine builds its own clients (src/delivery/channels/registry.ts).
 */
import { PermanentDeliveryError, TemporaryDeliveryError } from '../delivery/channels/types.js';
import type { FailureCause } from '../domain/types.js';

export { createEmailChannel, parseSmtpUrl } from '../delivery/channels/email.js';
export { createSmsProvider, type SmsProvider } from '../delivery/channels/sms/index.js';

/** Why a gateway or mail server call failed, for the admin's translated answer (anything unclassified: `other`). */
export function failureCauseOf(err: unknown): FailureCause {
  return err instanceof PermanentDeliveryError || err instanceof TemporaryDeliveryError ? err.failureCause : 'other';
}
