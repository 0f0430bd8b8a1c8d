import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { SecretBox } from '../../secrets.js';
import type { TemplateKind } from '../../domain/templates.js';
import { loadEscalation, loadSmsSettings, loadSmtpSettings, loadTemplates } from '../../db/settings-store.js';
import type { Escalation } from '../../domain/escalation.js';
import { DEFAULT_SMS_FALLBACK, DEFAULT_SMS_MAX_PARTS, type SmsFallback } from '../../domain/gateways.js';
import { createEmailChannel, type EmailChannel } from './email.js';
import { createSmsProvider, smsChannel } from './sms/index.js';
import type { SmsProvider } from './sms/provider.js';
import { createTelegramChannel, type TelegramChannel } from './telegram.js';
import { databaseSlots } from '../../db/slots.js';
import { webUnsubscribeUrl } from '../../domain/unsubscribe-link.js';
import { replyAddress } from '../../domain/reply-mail.js';
import type { ChannelObserver, ChannelSender } from './types.js';
import type { Channel } from '../../domain/types.js';

/** The channels of one dispatch run, built once from Settings and immutable for the run. */
export interface ChannelSet {
  senders: Readonly<Partial<Record<Channel, ChannelSender>>>;
  smsProvider?: SmsProvider;
  smsMaxParts: number;
  smsFallback: SmsFallback;
  templates: Partial<Record<TemplateKind, string>>;
  /** Domain of the sender address, for Message-IDs. */
  mailDomain: string;
  /** Escalation minutes per priority: Telegram messages of those tasks get a "👍 Seen" button. */
  escalation: Escalation;
  /** One-tap unsubscribe links for letters; unset while the bot's username is not known. */
  unsubscribeLink?: (personId: string, taskNumber: number) => string;
  /** With PUBLIC_URL: the one-click unsubscribe page of a person and a task (see src/http/unsubscribe.ts). */
  webUnsubscribeLink?: (personId: string, taskNumber: number) => string;
  /** With REPLY_DOMAIN: the signed reply address of a person and a task (answers become comments). */
  replyAddress?: (personId: string, taskNumber: number) => string;
  /** Asks Telegram for the bot's username if it is not known yet (letters carry links from then on). */
  ensureLinks(): Promise<void>;
  /** Opens the e-mail pool's connections ahead of the letters (src/delivery/channels/smtp-warm.ts); nothing without SMTP. */
  warm(): void;
  /** Why a channel is missing, for the message admins get. */
  missing: Partial<Record<Channel, string>>;
  close(): Promise<void>;
}

/** A sender whose every send is timed, and whose SMS receipts are billed, for `observer`. */
function observed(channel: Channel, sender: ChannelSender, observer: ChannelObserver | undefined): ChannelSender {
  if (!observer) return sender;
  return {
    async send(message) {
      const started = performance.now();
      try {
        const receipt = await sender.send(message);
        observer.sendTime(channel, (performance.now() - started) / 1000, true);
        if (channel === 'sms') observer.smsBilled(receipt.parts, receipt.cost);
        return receipt;
      } catch (err) {
        observer.sendTime(channel, (performance.now() - started) / 1000, false);
        throw err;
      }
    },
    ...(sender.close ? { close: () => sender.close!() } : {}),
  };
}

/**
 * @param deps.observer told of every send (the Telegram channel reports its own, without its pacing waits)
 * @param deps.warm the caller is about to send: the e-mail pool opens its connections at once, so that the
 *   server's greeting comes while the rest is built and the run plans (src/delivery/channels/smtp-warm.ts)
 */
export async function buildChannels(deps: {
  config: Config;
  secrets: SecretBox;
  logger: Logger;
  observer?: ChannelObserver;
  warm?: boolean;
}): Promise<ChannelSet> {
  const { config, secrets, logger, observer } = deps;
  const senders: Partial<Record<Channel, ChannelSender>> = {};
  const missing: Partial<Record<Channel, string>> = {};
  let mailDomain = 'taskwatch.local';

  const smtp = await loadSmtpSettings(secrets);
  let email: EmailChannel | undefined;
  if (smtp) {
    email = createEmailChannel(smtp, { timeoutMs: config.HTTP_TIMEOUT_MS, pool: true, logger });
    if (deps.warm) email.warm();
    senders.email = observed('email', email, observer);
    mailDomain = smtp.from.match(/@([^>\s]+)/)?.[1] ?? mailDomain;
  } else {
    missing.email = 'SMTP is not configured (an admin sets it with /smtp)';
  }

  const sms = await loadSmsSettings(secrets, config);
  let smsProvider: SmsProvider | undefined;
  if (sms) {
    smsProvider = createSmsProvider(sms.provider, sms.options);
    senders.sms = observed('sms', smsChannel(smsProvider), observer);
  } else {
    missing.sms = 'the SMS gateway is not configured (an admin sets it with /sms)';
  }

  let telegram: TelegramChannel | undefined;
  if (config.BOT_TOKEN) {
    senders.telegram = telegram = createTelegramChannel({
      token: config.BOT_TOKEN,
      apiRoot: config.TELEGRAM_API_ROOT,
      // One budget with the bot and every other worker (src/telegram/budget.ts).
      slots: databaseSlots,
      logger,
      ...(observer ? { observer } : {}),
    });
  } else {
    missing.telegram = 'BOT_TOKEN is not set for the worker';
  }

  const [templates, escalation] = await Promise.all([loadTemplates(), loadEscalation()]);

  const set: ChannelSet = {
    senders: Object.freeze(senders),
    smsProvider,
    smsMaxParts: sms?.maxParts ?? DEFAULT_SMS_MAX_PARTS,
    smsFallback: sms?.fallback ?? DEFAULT_SMS_FALLBACK,
    templates,
    mailDomain,
    escalation,
    missing,
    ...(config.PUBLIC_URL
      ? {
          webUnsubscribeLink: (personId: string, n: number) =>
            webUnsubscribeUrl(config.PUBLIC_URL!, secrets.unsubscribePayload(personId, n)),
        }
      : {}),
    ...(config.REPLY_DOMAIN
      ? { replyAddress: (personId: string, n: number) => replyAddress(secrets.replyToken(personId, n), config.REPLY_DOMAIN!) }
      : {}),
    async ensureLinks() {
      // Only letters carry links, and only the bot can open them.
      if (set.unsubscribeLink || !senders.email || !telegram) return;
      const username = await telegram.botUsername();
      if (username) set.unsubscribeLink = (personId, n) => `https://t.me/${username}?start=${secrets.unsubscribePayload(personId, n)}`;
    },
    warm() {
      email?.warm();
    },
    async close() {
      await Promise.all(Object.values(senders).map(async (s) => s.close?.()));
    },
  };
  await set.ensureLinks();
  return set;
}
