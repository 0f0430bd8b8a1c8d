/**
 * The e-mail channel: a pooled nodemailer SMTP transport. Knows SMTP and nothing of tasks.
 */
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type { NodemailerError } from 'nodemailer';
import { scrub, type Logger } from '../../logger.js';
import { PermanentDeliveryError, TemporaryDeliveryError, type ChannelSender, type OutgoingMessage, type Receipt } from './types.js';
import type { SmtpSecurity, SmtpSettings } from '../../domain/gateways.js';
import { WarmSockets } from './smtp-warm.js';

export type { SmtpSettings } from '../../domain/gateways.js';

export interface EmailChannelOptions {
  /** Connection, greeting and socket inactivity timeout, in ms. @defaultValue 10_000 */
  timeoutMs?: number;
  /** Keep connections open and reuse them. @defaultValue true */
  pool?: boolean;
  /** Connections a pool opens at most. @defaultValue 5 */
  maxConnections?: number;
  /** Accept a server certificate that does not verify (self-signed, expired, another name). @defaultValue false */
  allowSelfSigned?: boolean;
  /** How long connections opened by {@link EmailChannel.warm} wait to be used, in ms. @defaultValue WARM_IDLE_MS */
  warmIdleMs?: number;
  logger?: Logger;
}

export interface EmailChannel extends ChannelSender {
  /** Connects and logs in; resolves with a short description, or throws the classified error. */
  verify(): Promise<string>;
  /**
   * A pool's connections opened now, ahead of the letters (src/delivery/channels/smtp-warm.ts): a run calls
   * it as it starts, so that the server's greeting comes while the run plans. Nothing without a pool.
   */
  warm(): void;
  close(): void;
}

const CRLF = /[\r\n]/;

/** Removes line breaks (and other control characters) from a header value. */
function headerValue(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they must not reach a header
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

/** Exactly one mailbox with an `@`, no line breaks; otherwise a permanent 'address' failure. */
function checkRecipient(to: string): string {
  const bad = (why: string) => new PermanentDeliveryError(`Bad e-mail address: ${why}`, 'address');
  if (CRLF.test(to)) throw bad('it contains a line break');
  const parsed = addressparser(to, { flatten: true });
  if (parsed.length !== 1) throw bad(parsed.length === 0 ? 'it is empty' : 'more than one address');
  const address = parsed[0]!.address;
  if (!/^[^@\s]+@[^@\s]+$/.test(address)) throw bad(`"${headerValue(to)}" is not name@domain`);
  return to.trim();
}

function describeSecurity(s: SmtpSecurity): string {
  return s === 'tls' ? 'TLS' : s === 'starttls' ? 'STARTTLS' : 'no encryption';
}

/** Removes the password (and its encodings an SMTP dialogue could carry) from `text`. */
function hideSecret(text: string, settings: SmtpSettings): string {
  let out = scrub(text);
  const pass = settings.password;
  if (pass) {
    const forms = new Set([
      pass,
      encodeURIComponent(pass),
      Buffer.from(pass).toString('base64'),
      Buffer.from(`\u0000${settings.user ?? ''}\u0000${pass}`).toString('base64'),
    ]);
    for (const f of forms) if (f.length >= 3) out = out.split(f).join('***');
  }
  return out;
}

/** Certificate and handshake failures: the admin has to fix the settings (or the server). */
const TLS_FAILURE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|^ERR_SSL|^ERR_TLS/;

/**
 * Turns a nodemailer error into the delivery error that carries the retry decision.
 * `password` is removed from the message.
 */
export function classifySmtpError(err: unknown, settings?: SmtpSettings): TemporaryDeliveryError | PermanentDeliveryError {
  if (err instanceof TemporaryDeliveryError || err instanceof PermanentDeliveryError) return err;
  const e = (err ?? {}) as NodemailerError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command : '';
  const answer = e.response ? String(e.response) : e instanceof Error ? e.message : String(err);
  const head = ['SMTP', code, command && `(${command})`].filter(Boolean).join(' ');
  const detail = e.response && e instanceof Error && !e.message.includes(String(e.response)) ? `${e.message}: ${answer}` : answer;
  const message = settings ? hideSecret(`${head}: ${detail}`, settings) : scrub(`${head}: ${detail}`);
  const codeText = responseCode !== undefined ? String(responseCode) : code;

  if (code === 'EAUTH' || code === 'ENOAUTH' || responseCode === 535 || responseCode === 534 || responseCode === 530) {
    return new TemporaryDeliveryError(message, undefined, 'auth');
  }
  const original = typeof e.originalCode === 'string' ? e.originalCode : '';
  if (code === 'ETLS' || code === 'EREQUIRETLS' || code === 'ECONFIG' || TLS_FAILURE.test(original)) {
    return new TemporaryDeliveryError(message, undefined, 'config');
  }
  if (responseCode !== undefined && responseCode >= 500 && responseCode !== 503) {
    if (command.startsWith('RCPT')) return new PermanentDeliveryError(message, 'address', codeText);
    // The server refuses our sender address: the admin fixes it, and the messages go out then.
    if (command.startsWith('MAIL') && responseCode !== 552) return new TemporaryDeliveryError(message, undefined, 'sender');
    return new PermanentDeliveryError(message, 'other', codeText);
  }
  if (responseCode !== undefined) return new TemporaryDeliveryError(message);
  // Refused by nodemailer before anything was sent ("Invalid recipient", "No recipients defined").
  if (code === 'EENVELOPE' && command === 'API') return new PermanentDeliveryError(message, 'address');
  if (code === 'EMESSAGE' && command === 'API') return new PermanentDeliveryError(message, 'other');
  // ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, EPROTOCOL, greeting failures, and anything unexpected.
  return new TemporaryDeliveryError(message);
}

export function createEmailChannel(settings: SmtpSettings, opts: EmailChannelOptions = {}): EmailChannel {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const logger = opts.logger;
  // A login never goes in clear unless the admin said so: 'none' with a login still demands STARTTLS.
  const plainLoginRefused = settings.security === 'none' && !!settings.user && !settings.insecureLogin;
  const base = {
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls' || plainLoginRefused,
    ignoreTLS: settings.security === 'none' && !plainLoginRefused,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    tls: { rejectUnauthorized: !opts.allowSelfSigned },
    logger: false,
    debug: false,
  } as const;
  const maxConnections = opts.maxConnections ?? 5;
  const ahead =
    opts.pool === false
      ? undefined
      : new WarmSockets({
          host: settings.host,
          port: settings.port,
          max: maxConnections,
          ...(opts.warmIdleMs ? { idleMs: opts.warmIdleMs } : {}),
        });
  const transport = !ahead
    ? nodemailer.createTransport({ ...base })
    : nodemailer.createTransport({ ...base, pool: true, maxConnections, maxMessages: Infinity, getSocket: ahead.getSocket });
  const from = headerValue(settings.from);
  const endpoint = `${settings.host}:${settings.port}`;
  // An 'error' event without a listener would end the process.
  transport.on('error', (err: unknown) => {
    logger?.warn({ endpoint }, `SMTP transport error: ${classifySmtpError(err, settings).message}`);
  });

  return {
    async send(msg: OutgoingMessage): Promise<Receipt> {
      const to = checkRecipient(msg.to);
      const headers: Record<string, string> = {};
      if (msg.taskNumber !== undefined && Number.isInteger(msg.taskNumber)) {
        headers['X-Taskwatch-Task'] = String(msg.taskNumber);
      }
      let messageId: string | undefined;
      if (msg.messageId) {
        const id = headerValue(msg.messageId).replace(/\s+/g, '').replace(/^<|>$/g, '');
        if (id) messageId = `<${id}>`;
      }
      try {
        const info = await transport.sendMail({
          from,
          to,
          subject: headerValue(msg.subject ?? ''),
          text: msg.text,
          ...(msg.html !== undefined ? { html: msg.html } : {}),
          ...(messageId ? { messageId } : {}),
          ...(msg.replyTo && !CRLF.test(msg.replyTo) ? { replyTo: msg.replyTo } : {}),
          // RFC 2369: nodemailer writes it as `List-Unsubscribe: <url>`. List-Unsubscribe-Post (RFC 8058 one-click)
          // only for our own page (PUBLIC_URL), which takes the mail client's POST; a t.me link does not.
          ...(msg.listUnsubscribe && /^https?:\/\/\S+$/.test(msg.listUnsubscribe) ? { list: { unsubscribe: msg.listUnsubscribe } } : {}),
          headers: msg.oneClick && msg.listUnsubscribe ? { ...headers, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : headers,
        });
        logger?.debug({ endpoint, messageId: info.messageId, response: info.response }, 'e-mail sent');
        return { providerMessageId: info.messageId, response: info.response };
      } catch (err) {
        const classified = classifySmtpError(err, settings);
        logger?.warn(
          { endpoint, messageId, kind: classified.name, cause: classified.failureCause },
          `e-mail not sent: ${classified.message}`,
        );
        throw classified;
      }
    },

    async verify(): Promise<string> {
      try {
        await transport.verify();
      } catch (err) {
        throw classifySmtpError(err, settings);
      }
      return `${endpoint} ${describeSecurity(settings.security)}, ${settings.user ? 'login ok' : 'no login'}`;
    },

    warm(): void {
      ahead?.open();
    },

    close(): void {
      ahead?.close();
      transport.close();
    },
  };
}
