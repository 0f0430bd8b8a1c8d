/**
 * One message sent at once, outside the queue and its plans: a confirmation code to a contact that is not
 * confirmed yet (so planning would never send there). Built from the same settings as the engine's
 * channels, closed after the one message.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../secrets.js';
import { loadSmsSettings, loadSmtpSettings } from '../db/settings-store.js';
import { UserError } from '../domain/errors.js';
import { createEmailChannel } from './channels/email.js';
import { createSmsProvider, smsChannel } from './channels/sms/index.js';
import { failureCauseOf, type ChannelSender } from './channels/types.js';

export interface OneOffDeps {
  config: Config;
  secrets: SecretBox;
  logger: Logger;
}

/**
 * Sends `text` (and for e-mail `subject`) to `to` now. A channel not configured is `code_channel_missing`;
 * a refusal or an unreachable server is `code_send_failed` with its cause; the details go to the log.
 */
export async function sendOneOff(
  channel: 'email' | 'sms',
  to: string,
  message: { subject?: string; text: string },
  deps: OneOffDeps,
): Promise<void> {
  let sender: ChannelSender | undefined;
  if (channel === 'email') {
    const smtp = await loadSmtpSettings(deps.secrets);
    if (smtp) sender = createEmailChannel(smtp, { timeoutMs: deps.config.HTTP_TIMEOUT_MS, pool: false, logger: deps.logger });
  } else {
    const sms = await loadSmsSettings(deps.secrets, deps.config);
    if (sms) sender = smsChannel(createSmsProvider(sms.provider, sms.options));
  }
  if (!sender) throw new UserError('code_channel_missing', { channel });
  try {
    await sender.send({ channel, to, text: message.text, ...(message.subject ? { subject: message.subject } : {}) });
  } catch (err) {
    deps.logger.warn({ err, channel }, 'could not send a confirmation code');
    throw new UserError('code_send_failed', { channel, cause: failureCauseOf(err) });
  } finally {
    await sender.close?.();
  }
}
