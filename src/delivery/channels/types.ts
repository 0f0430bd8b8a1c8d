/**
 * The contract every channel keeps. A channel knows its own protocol and nothing of tasks:
 * it gets an address and rendered text, sends, and says what happened.
 */
import type { MessageEntity } from 'telegraf/types';
import type { Channel, FailureCause } from '../../domain/types.js';

/** One message to one address, rendered. */
export interface OutgoingMessage {
  channel: Channel;
  /** E-mail address, E.164 phone, or Telegram chat id (as a string). */
  to: string;
  /** E-mail subject; ignored by SMS and Telegram. */
  subject?: string;
  /** Plain text body (SMS text, Telegram text, e-mail text part). */
  text: string;
  /** E-mail HTML part. */
  html?: string;
  /** Stable id of this message (e-mail Message-ID without the angle brackets). */
  messageId?: string;
  /** Telegram: the task the message is about, for the "open", "stop watching" and "channels" buttons. */
  taskNumber?: number;
  /** Telegram: the tasks of a digest about several, each with an "open" button. */
  taskNumbers?: number[];
  /**
   * Telegram: tasks whose SMS waits for escalation, each with a "👍 Seen" button (`seenLabel`, in the
   * recipient's words; with several tasks it names each: `👍 #12`).
   */
  seenTasks?: number[];
  seenLabel?: string;
  /** Telegram: the styles of `text` (offsets in UTF-16 units); sent as `entities`, never with a parse_mode. */
  entities?: MessageEntity[];
  /** E-mail: the link of the `List-Unsubscribe` header (RFC 2369). */
  listUnsubscribe?: string;
  /** E-mail: where an answer goes (`Reply-To`): the signed reply address of the person and task, with the reply intake. */
  replyTo?: string;
  /** E-mail: that link takes a POST (`List-Unsubscribe-Post: List-Unsubscribe=One-Click`, RFC 8058). */
  oneClick?: boolean;
}

export interface Receipt {
  /** Id the provider gave the message (sms.ru sms_id, Telegram message_id, SMTP response). */
  providerMessageId?: string;
  /** Provider's own words, for the log. */
  response?: string;
  /** SMS parts the gateway billed, where it says. */
  parts?: number;
  /** Cost in the account's currency, where the gateway says. */
  cost?: number;
}

export interface ChannelSender {
  send(message: OutgoingMessage): Promise<Receipt>;
  /** Releases pooled connections. */
  close?(): Promise<void> | void;
}

export type { FailureCause } from '../../domain/types.js';

/**
 * What the channels tell about their own work, for metrics: how long each call to the provider took,
 * what an SMS gateway billed, and Telegram's flood answers. Implemented by the engine's metrics
 * (src/delivery/metrics.ts); a channel never needs one.
 */
export interface ChannelObserver {
  /** One call to the provider for one message, in seconds; `ok` false when it threw. */
  sendTime(channel: Channel, seconds: number, ok: boolean): void;
  /** An SMS the gateway accepted: its parts and cost (account currency) where the gateway says. */
  smsBilled(parts: number | undefined, cost: number | undefined): void;
  /** Telegram answered 429 Too Many Requests. */
  telegramRateLimited(): void;
}

/** Worth trying again later: SMTP 4xx, connection errors, timeouts, HTTP 5xx, gateway "retry later". */
export class TemporaryDeliveryError extends Error {
  override readonly name = 'TemporaryDeliveryError';
  constructor(
    message: string,
    /** Delay the provider asked for (Telegram retry_after, HTTP Retry-After), in ms. */
    readonly retryAfterMs?: number,
    readonly failureCause: FailureCause = 'other',
  ) {
    super(message);
  }
}

/** Will not succeed on retry: bad address, unapproved sender, no money, refused credentials. */
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';
  constructor(
    message: string,
    readonly failureCause: FailureCause = 'other',
    /** Provider's code (sms.ru status_code, SMTP reply code), as text. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Why a send failed, for the texts people read: the classified cause, or `other` for anything unclassified. */
export function failureCauseOf(err: unknown): FailureCause {
  return err instanceof PermanentDeliveryError || err instanceof TemporaryDeliveryError ? err.failureCause : 'other';
}
