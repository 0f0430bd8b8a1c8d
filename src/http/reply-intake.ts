/**
 * The reply intake: an SMTP server of our own (smtp-server) for REPLY_DOMAIN, whose MX (or a forwarding
 * rule of the team's mail server) leads here. Letters about one task carry `Reply-To:
 * reply+<token>@REPLY_DOMAIN`; an answer sent there becomes a comment (src/services/email-replies.ts).
 *
 * - Only signed reply addresses are taken: any other recipient (a forged or damaged token, another domain) is
 *   refused in the SMTP dialogue (550), so this is no open relay and nothing is read of such a letter.
 * - A letter is parsed with mailparser (MIME, charsets; the text of an HTML-only letter made from its HTML),
 *   and the answer's own text is kept: the quoted original and the signature are cut by email-reply-parser,
 *   and the quote headers of Russian and Outlook clients by `cutQuoteHeader`.
 * - Bounces and auto-replies, senders other than the person's address, and letters the receiving server
 *   found spf/dkim/dmarc=fail are accepted (250) and dropped with a logged reason: refusing them would make
 *   the sending server bounce to an address that may be forged.
 */
import EmailReplyParser from 'email-reply-parser';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { automatedKind, cutQuoteHeader, failedAuthentication, REPLY_MAX_BYTES, tokenOfAddress } from '../domain/reply-mail.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../secrets.js';
import { acceptEmailReply, sendRefusal } from '../services/email-replies.js';

export interface ReplyIntakeOptions {
  /** Address to listen on. */
  host: string;
  /** Port to listen on (25 behind an MX; 0: any free port). */
  port: number;
  /** The domain of the reply addresses (REPLY_DOMAIN). */
  domain: string;
  secrets: SecretBox;
  logger: Logger;
  /** Timeout of the letter back, in ms. */
  timeoutMs: number;
}

export interface ReplyIntake {
  /** The port it listens on. */
  port: number;
  close(): Promise<void>;
}

/** An SMTP refusal with its reply code. */
function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

/** The answer's own text of a letter's plain text: quoted original and signature cut. */
export function ownText(text: string): string {
  return new EmailReplyParser()
    .read(cutQuoteHeader(text.replace(/\r\n/g, '\n')))
    .getVisibleText()
    .trim();
}

export async function startReplyIntake(opts: ReplyIntakeOptions): Promise<ReplyIntake> {
  const { domain, secrets, logger } = opts;
  const log = logger.child({ component: 'reply-intake' });

  async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) throw smtpError(552, `5.3.4 A letter may have ${REPLY_MAX_BYTES} bytes at most`);
    const mail = await simpleParser(Buffer.concat(chunks));
    // Decoded where mailparser decodes to text (a subject in encoded-words), else the raw value.
    const header = (name: string) => {
      const decoded = mail.headers.get(name);
      if (typeof decoded === 'string') return decoded;
      const line = mail.headerLines.find((h) => h.key === name)?.line;
      return line === undefined ? undefined : line.slice(line.indexOf(':') + 1).trim();
    };
    const from = mail.from?.value[0]?.address ?? '';
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const token = session.envelope.rcptTo.map((r) => tokenOfAddress(r.address, domain)).find((t) => t !== undefined);
    if (!token) return;
    const outcome = await acceptEmailReply(
      {
        token,
        from,
        automated: automatedKind({ envelopeFrom, from, header }),
        failedAuthentication: failedAuthentication(header('authentication-results')),
        text: ownText(mail.text ?? ''),
      },
      secrets,
    );
    if (outcome.kind === 'added') {
      log.info({ task: outcome.number, person: outcome.personId }, 'an e-mail reply became a comment');
      return;
    }
    log.warn({ reason: outcome.reason, ...(outcome.answer ? { task: outcome.answer.number } : {}) }, 'an e-mail reply was not added');
    if (outcome.answer) await sendRefusal(outcome.answer, secrets, { timeoutMs: opts.timeoutMs, logger: log });
  }

  const server = new SMTPServer({
    name: domain,
    banner: 'taskwatch reply intake',
    // No logins to offer and no certificate of our own (see README, "Answering a notification").
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    disableReverseLookup: true,
    size: REPLY_MAX_BYTES,
    logger: false,
    onRcptTo(address, _session, callback) {
      const token = tokenOfAddress(address.address, domain);
      if (!token || !secrets.readReplyToken(token)) return callback(smtpError(550, '5.1.1 No such mailbox here'));
      callback();
    },
    onData(stream, session, callback) {
      receive(stream, session).then(
        () => callback(),
        (err: unknown) => {
          if (err instanceof Error && 'responseCode' in err) return callback(err);
          log.error({ err }, 'an e-mail reply could not be handled; the sender is asked to try again');
          callback(smtpError(451, '4.3.0 Try again later'));
        },
      );
    },
  });
  server.on('error', (err) => log.warn({ err }, 'reply intake: SMTP error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  log.info({ port, domain }, 'reply intake listening (answers to letters become comments)');
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
