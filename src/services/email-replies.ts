/**
 * A letter that answers a notification (src/http/reply-intake.ts has read it off the wire): whose and about
 * which task its signed reply address says, whether it really comes from that person, and then a comment
 * by them, with the rights of `/comment`. What is refused changes nothing and says why for the log; only a
 * letter that provably comes from the person (their address, no failed SPF/DKIM/DMARC) gets an answer
 * back, so that forged senders never receive mail from us (no backscatter).
 */
import { isValidObjectId } from 'mongoose';
import { PersonModel } from '../db/models/index.js';
import { UserError, type UserErrorCode } from '../domain/errors.js';
import type { AutomatedKind } from '../domain/reply-mail.js';
import { isMemberRole, type Language } from '../domain/types.js';
import type { SecretBox } from '../secrets.js';
import { commentByReply } from './replies.js';
import { loadSmtpSettings } from '../db/settings-store.js';
import { createEmailChannel } from '../delivery/channels/email.js';
import { texts, userErrorText } from '../i18n/index.js';
import type { Logger } from '../logger.js';
import { failureCauseOf } from './gateways.js';

/** A reply as the intake read it. */
export interface EmailReply {
  /** The token of the reply address it was sent to (`reply+<token>@REPLY_DOMAIN`). */
  token: string;
  /** The author's address (the `From` header). */
  from: string;
  /** A machine's letter (bounce, auto-reply), if it is one. */
  automated?: AutomatedKind | undefined;
  /** The sender check the receiving server recorded as failed (spf, dkim, dmarc), if any. */
  failedAuthentication?: string | undefined;
  /** The answer's own text: quoted original and signature removed. */
  text: string;
}

export type EmailReplyOutcome =
  | { kind: 'added'; number: number; personId: string }
  /** Nothing changed; `reason` is for the log. `answer`: a short letter back to the person may say why. */
  | {
      kind: 'refused';
      reason: string;
      answer?: { to: string; language: Language; number: number; code: UserErrorCode; params: Record<string, string | number> };
    };

/** Reads and applies one reply. Never throws for a refused reply; a database failure propagates. */
export async function acceptEmailReply(reply: EmailReply, secrets: SecretBox): Promise<EmailReplyOutcome> {
  if (reply.automated) return { kind: 'refused', reason: `a machine's letter (${reply.automated}), not an answer` };
  const signed = secrets.readReplyToken(reply.token);
  if (!signed || !isValidObjectId(signed.personId)) return { kind: 'refused', reason: 'the reply address is not one we signed' };
  const person = await PersonModel.findById(signed.personId, { email: 1, role: 1, language: 1 }).lean();
  if (!person || !isMemberRole(person.role)) return { kind: 'refused', reason: 'the reply address names nobody who is a member now' };
  if (!person.email || person.email.toLowerCase() !== reply.from.trim().toLowerCase()) {
    return { kind: 'refused', reason: 'the sender is not the address the letter went to (not answered: it may be forged)' };
  }
  if (reply.failedAuthentication) {
    return { kind: 'refused', reason: `the receiving server found ${reply.failedAuthentication}=fail (not answered: it may be forged)` };
  }
  const n = signed.taskNumber;
  try {
    await commentByReply(n, signed.personId, reply.text, { undoable: false });
    return { kind: 'added', number: n, personId: signed.personId };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const answer = { to: person.email, language: person.language ?? 'ru', number: n, code: err.code, params: err.params };
    return { kind: 'refused', reason: `refused as /comment would be: ${err.code}`, answer };
  }
}

/**
 * The short letter that tells a person why their answer did not become a comment, through the configured
 * mail server (as confirmation codes go); resolves whether it went. Nothing of the task but its number.
 */
export async function sendRefusal(
  answer: NonNullable<Extract<EmailReplyOutcome, { kind: 'refused' }>['answer']>,
  secrets: SecretBox,
  opts: { timeoutMs: number; logger: Logger },
): Promise<boolean> {
  const smtp = await loadSmtpSettings(secrets);
  if (!smtp) return false;
  const t = texts(answer.language);
  const why = userErrorText(t, new UserError(answer.code, answer.params)).replace(/[.\s]+$/, '');
  const channel = createEmailChannel(smtp, { timeoutMs: opts.timeoutMs, pool: false, logger: opts.logger });
  try {
    await channel.send({
      channel: 'email',
      to: answer.to,
      subject: t.replyMailSubject(answer.number),
      text: t.replyMailBody(answer.number, why),
    });
    return true;
  } catch (err) {
    opts.logger.warn({ task: answer.number, cause: failureCauseOf(err) }, 'could not send the letter about a refused e-mail reply');
    return false;
  } finally {
    channel.close();
  }
}
