/**
 * Answering a notification by e-mail: the rules that need no I/O. The reply address of a letter, which
 * letters are machines talking (auto-replies, bounces) and never become comments, and what the receiving
 * server said about the sender (SPF, DKIM, DMARC).
 */

/** How long a comment made by replying in Telegram can be undone, in ms; it reaches nobody before. */
export const REPLY_UNDO_MS = 3 * 60_000;

/** The largest letter the reply intake takes, in bytes (SMTP SIZE); a larger one is refused in the SMTP dialogue. */
export const REPLY_MAX_BYTES = 1024 * 1024;

/** The local part of a reply address before its token: `reply+<token>@REPLY_DOMAIN`. */
const LOCAL = 'reply+';

/** The reply address of a letter: `reply+<token>@<domain>`. */
export function replyAddress(token: string, domain: string): string {
  return `${LOCAL}${token}@${domain}`;
}

/** The token of a reply address at `domain` (case does not matter), or undefined when it is not one. */
export function tokenOfAddress(address: string, domain: string): string | undefined {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  if (at < 0 || a.slice(at + 1) !== domain.toLowerCase() || !a.startsWith(LOCAL)) return undefined;
  return a.slice(LOCAL.length, at) || undefined;
}

/** The headers of a letter as the rules read them: lowercase names, each value as one string. */
export type HeaderLookup = (name: string) => string | undefined;

/** Why a letter is a machine's, not a person's answer. */
export type AutomatedKind = 'bounce' | 'auto-reply';

const AUTO_SUBJECT =
  /^\s*(?:auto(?:matic)?[ -]?reply|out of (?:the )?office|автоответ|автоматический ответ|нет на месте|в отпуске)(?![\p{L}\p{N}])/iu;
const BULK_PRECEDENCE = /^(?:auto_reply|bulk|junk|list)$/i;
const DAEMON = /^(?:mailer-daemon|postmaster)@/i;

/**
 * A bounce (an empty envelope sender, a delivery report, MAILER-DAEMON) or an auto-reply (`Auto-Submitted`
 * other than `no`, `X-Autoreply`, `X-Autorespond`, `Precedence: auto_reply|bulk|junk|list`, an
 * "Out of office"/"Автоответ" subject): undefined for a person's own letter. RFC 3834 and RFC 3464.
 */
export function automatedKind(letter: { envelopeFrom: string; from: string; header: HeaderLookup }): AutomatedKind | undefined {
  const h = letter.header;
  if (letter.envelopeFrom.trim() === '' || letter.envelopeFrom.trim() === '<>') return 'bounce';
  if (/multipart\/report/i.test(h('content-type') ?? '')) return 'bounce';
  if (DAEMON.test(letter.from.trim())) return 'bounce';
  const submitted = h('auto-submitted')?.trim().toLowerCase();
  if (submitted && submitted !== 'no') return 'auto-reply';
  if (h('x-autoreply') !== undefined || h('x-autorespond') !== undefined || h('x-autoresponder') !== undefined) return 'auto-reply';
  if (BULK_PRECEDENCE.test(h('precedence')?.trim() ?? '')) return 'auto-reply';
  if (AUTO_SUBJECT.test(h('subject') ?? '')) return 'auto-reply';
  return undefined;
}

/**
 * The sender check the receiving server recorded (`Authentication-Results`, RFC 8601) that failed:
 * `spf=fail`, `dkim=fail` or `dmarc=fail` (softfail, neutral and none are not failures); undefined when none
 * failed or none is recorded.
 */
export function failedAuthentication(results: string | undefined): string | undefined {
  if (!results) return undefined;
  return /\b(spf|dkim|dmarc)\s*=\s*fail\b/i.exec(results)?.[1]?.toLowerCase();
}

/**
 * Where a quoted original starts in a reply that email-reply-parser does not know (it knows "On … wrote:"
 * and `>` quotes): Russian mail clients' "…, Имя пишет:" / "написал(а):", Gmail's "<date>, Name <address>:",
 * and Outlook's "-----Original Message-----" / "-----Исходное сообщение-----" / "From: …" header block.
 */
const QUOTE_HEADER =
  /^(?:.{0,300}(?:пишет|написал(?:а|\(а\))?|wrote)\s*:\s*|.{0,300}<[^<>]*@[^<>]*>\s*:\s*|-{2,}\s*(?:original message|исходное сообщение|пересылаемое сообщение)\s*-{2,}\s*|(?:from|от):\s.+\r?\n(?:(?:sent|date|отправлено|дата):\s.+))$/im;

/** Cuts `text` at the first header of a quoted original that {@link QUOTE_HEADER} knows. */
export function cutQuoteHeader(text: string): string {
  const m = QUOTE_HEADER.exec(text);
  return m ? text.slice(0, m.index) : text;
}
