/**
 * The admin's checks of the mail server and the SMS gateway, which talk to them directly: `/smtp test`,
 * `/sms test|balance|senders`, and the sender-name check after `/sms … sender=`. The bot reaches delivery
 * through src/delivery/port.ts and, for these checks, through the functions here (never the channel clients
 * themselves); the dispatch engine builds its own clients (src/delivery/channels/registry.ts).
 */
import type { Logger } from '../logger.js';
import type { FailureCause, SmsProviderName } from '../domain/types.js';
import type { SmsSettings, SmtpSettings } from '../domain/gateways.js';
import { createEmailChannel } from '../delivery/channels/email.js';
import { createSmsProvider } from '../delivery/channels/sms/index.js';
import { failureCauseOf as causeOf, type Receipt } from '../delivery/channels/types.js';

/**
 * Why a gateway or mail server call failed, for the admin's translated answer: the channels' own classification
 * (delivery/channels/types.ts), through the door the bot may use.
 */
export function failureCauseOf(err: unknown): FailureCause {
  return causeOf(err);
}

/**
 * `/smtp test`: connects and logs in (resolving the server's greeting in `verified`), then sends `letter`
 * on a connection of its own. Throws the classified failure (see {@link failureCauseOf}).
 */
export async function testSmtp(
  settings: SmtpSettings,
  letter: { to: string; subject: string; text: string },
  opts: { timeoutMs: number; logger: Logger },
): Promise<{ verified: string; receipt: Receipt }> {
  const channel = createEmailChannel(settings, { timeoutMs: opts.timeoutMs, pool: false, logger: opts.logger });
  try {
    const verified = await channel.verify();
    const receipt = await channel.send({ channel: 'email', ...letter });
    return { verified, receipt };
  } finally {
    channel.close();
  }
}

/** What the admin can ask of the configured SMS gateway. */
export interface SmsGatewayChecks {
  readonly name: SmsProviderName;
  /** Checks the credentials; resolves with a short description (e.g. the balance) or throws. */
  check(): Promise<string>;
  balance(): Promise<{ amount: number; currency: string }>;
  /** Approved sender names; absent where the gateway has no such list. */
  senders?(): Promise<string[]>;
}

/** The checks of the gateway that `loaded` configures (it never throws: a call fails when the options lack something). */
export function smsGatewayFor(loaded: SmsSettings): SmsGatewayChecks {
  return createSmsProvider(loaded.provider, loaded.options);
}
