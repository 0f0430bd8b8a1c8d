/**
 * A loopback SMTP server for tests and the benchmark, on `smtp-server`.
 *
 * ```ts
 * const sink = await startSmtpSink({ auth: { user: 'bot', pass: 's3cret' }, rejectRecipients: ['gone@example.org'] });
 * const channel = createEmailChannel({ host: sink.host, port: sink.port, security: 'none', user: 'bot', password: 's3cret', from: 'tw@example.org' });
 * await channel.send({ channel: 'email', to: 'a@example.org', subject: 'Hi', text: 'Hello' });
 * sink.messages[0]?.subject; // 'Hi'
 * channel.close(); await sink.close();
 * ```
 */
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** Envelope recipients (RCPT TO). */
  to: string[];
  /** Message-ID header, with the angle brackets. */
  messageId?: string;
  /** Subject header, unfolded and with RFC 2047 encoded-words decoded. */
  subject?: string;
  /** Header fields by lower-case name (the last one wins), unfolded, not decoded. */
  headers: Record<string, string>;
  /** The whole message as received, CRLF line ends. */
  raw: string;
  /** Decoded text/plain part (parsed on first read). */
  readonly text?: string;
  /** Decoded text/html part (parsed on first read). */
  readonly html?: string;
}

export interface SmtpSinkOptions {
  /** Require AUTH (PLAIN or LOGIN) with these credentials; otherwise AUTH is not offered. */
  auth?: { user: string; pass: string };
  /** Share of messages (0..1) answered with `failCode` at the end of DATA: deterministic, every 1/r-th. */
  failRatio?: number;
  /** Reply code for those messages. @defaultValue 451 */
  failCode?: number;
  /** Recipients answered `550 5.1.1` at RCPT TO (compared case-insensitively). */
  rejectRecipients?: string[];
  /** Count messages without keeping them (`messages` stays empty): for the benchmark. @defaultValue false */
  countOnly?: boolean;
  /** TLS from the first byte, with smtp-server's built-in self-signed certificate for localhost. */
  secure?: boolean;
  /** A slow server: each message is answered this many ms after its DATA ends. @defaultValue 0 */
  delayMs?: number;
}

export interface SmtpSink {
  host: '127.0.0.1';
  port: number;
  /** Accepted messages, in order (empty in countOnly mode). */
  messages: ReceivedMail[];
  /** Accepted messages. */
  readonly count: number;
  /** Messages answered with `failCode`. */
  readonly failed: number;
  /** RCPT TO commands refused. */
  readonly rejected: number;
  /** SMTP connections opened so far (counted when the server greets them). */
  readonly connections: number;
  /** SMTP connections closed so far, by either side. */
  readonly closed: number;
  /** TCP connections accepted so far, greeted or not (with `secure`, before the TLS handshake). */
  readonly accepted: number;
  /** The client ports of those connections, in the order they were accepted. */
  readonly acceptedPorts: readonly number[];
  /** Resolves once `check()` holds: checked now, and whenever a connection opens or closes or a message is answered. */
  until(check: () => boolean): Promise<void>;
  /** Failed AUTH attempts. */
  readonly authFailures: number;
  setFailRatio(ratio: number): void;
  /** Holds every message's answer (after its DATA) until {@link resume}: a server that hangs. */
  pause(): void;
  resume(): void;
  /** The same as {@link pause} and {@link resume}: keep several senders busy at the same time. */
  hold(): void;
  release(): void;
  /** Messages whose DATA arrived and whose answer is held by {@link pause} or `delayMs`. */
  readonly waiting: number;
  /** Closes every open connection from the server's side, as a restart or the server's idle timeout does. */
  drop(): void;
  /** Forgets the messages and zeroes the counters. */
  reset(): void;
  /** Stops listening; connections still open are cut after a short grace period. */
  close(): Promise<void>;
}

/** Decodes RFC 2047 encoded-words (`=?utf-8?B?…?=`, `=?utf-8?Q?…?=`) in a header value. */
export function decodeSubject(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?') // white space between adjacent encoded-words is not part of the text
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_m, charset: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : qpBytes(data.replace(/_/g, ' '));
      return decodeCharset(bytes, charset);
    });
}

function decodeCharset(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.replace(/\*.*$/, '').trim() || 'utf-8').decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

function qpBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const hex = s.slice(i + 1, i + 3);
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(out);
}

function splitHead(raw: string): { head: string; body: string } {
  const i = raw.indexOf('\r\n\r\n');
  return i < 0 ? { head: raw, body: '' } : { head: raw.slice(0, i), body: raw.slice(i + 4) };
}

function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function decodeBody(body: string, headers: Record<string, string>): string {
  const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const charset = /charset="?([^";\s]+)/i.exec(headers['content-type'] ?? '')?.[1] ?? 'utf-8';
  if (cte === 'base64') return decodeCharset(Buffer.from(body.replace(/\s+/g, ''), 'base64'), charset);
  if (cte === 'quoted-printable') return decodeCharset(qpBytes(body.replace(/=\r\n/g, '')), charset);
  return body;
}

/** Finds the text/plain and text/html parts of a (possibly multipart) message. */
function parseParts(raw: string): { text?: string; html?: string } {
  const found: { text?: string; html?: string } = {};
  const walk = (entity: string) => {
    const { head, body } = splitHead(entity);
    const headers = parseHeaders(head);
    const type = (headers['content-type'] ?? 'text/plain').toLowerCase();
    const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
    if (type.startsWith('multipart/') && boundary) {
      const parts = body.split(`--${boundary}`);
      for (const part of parts.slice(1)) {
        if (part.startsWith('--')) break;
        walk(part.replace(/^\r\n/, '').replace(/\r\n$/, ''));
      }
    } else if (type.startsWith('text/html')) {
      found.html ??= decodeBody(body, headers);
    } else if (type.startsWith('text/plain')) {
      found.text ??= decodeBody(body, headers);
    }
  };
  walk(raw);
  return found;
}

function receivedMail(raw: string, from: string, to: string[]): ReceivedMail {
  const headers = parseHeaders(splitHead(raw).head);
  let parts: { text?: string; html?: string } | undefined;
  const mail: ReceivedMail = {
    from,
    to,
    headers,
    raw,
    get text() {
      parts ??= parseParts(raw);
      return parts.text;
    },
    get html() {
      parts ??= parseParts(raw);
      return parts.html;
    },
  };
  if (headers['message-id']) mail.messageId = headers['message-id'];
  if (headers.subject !== undefined) mail.subject = decodeSubject(headers.subject);
  return mail;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const failCode = opts.failCode ?? 451;
  const rejects = new Set((opts.rejectRecipients ?? []).map((a) => a.toLowerCase()));
  let failRatio = Math.min(1, Math.max(0, opts.failRatio ?? 0));
  let failCredit = 0;
  const state = { count: 0, failed: 0, rejected: 0, connections: 0, closed: 0, accepted: 0, authFailures: 0 };
  const waiters = new Set<() => void>();
  const changed = (): void => waiters.forEach((w) => w());
  const acceptedPorts: number[] = [];
  const messages: ReceivedMail[] = [];
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  let waiting = 0;
  const held = async (): Promise<void> => {
    waiting += 1;
    try {
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      while (gate) await gate.promise;
    } finally {
      waiting -= 1;
    }
  };

  const options: SMTPServerOptions = {
    secure: opts.secure ?? false,
    logger: false,
    disableReverseLookup: true,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    closeTimeout: 200,
    hideENHANCEDSTATUSCODES: true, // the replies below carry their own
    onConnect(_session, callback) {
      state.connections += 1;
      callback();
      changed();
    },
    onClose() {
      state.closed += 1;
      changed();
    },
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        return callback(null, { user: auth.username });
      }
      state.authFailures += 1;
      return callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
    },
    onRcptTo(address, _session, callback) {
      if (rejects.has(address.address.toLowerCase())) {
        state.rejected += 1;
        return callback(smtpError(550, '5.1.1 No such user here'));
      }
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      if (!opts.countOnly) stream.on('data', (c: Buffer) => chunks.push(c));
      else stream.resume();
      stream.on('end', () => {
        if (opts.delayMs || gate) {
          held().then(finish, finish);
          return;
        }
        finish();
      });
      function finish(): void {
        failCredit += failRatio;
        if (failCredit >= 1 - 1e-9) {
          failCredit -= 1;
          state.failed += 1;
          callback(smtpError(failCode, `${failCode >= 500 ? '5' : '4'}.3.0 Try again later`));
          changed();
          return;
        }
        state.count += 1;
        if (!opts.countOnly) {
          const env = session.envelope;
          messages.push(
            receivedMail(
              Buffer.concat(chunks).toString('utf8'),
              env.mailFrom ? env.mailFrom.address : '',
              env.rcptTo.map((r) => r.address),
            ),
          );
        }
        callback();
        changed();
      }
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => undefined); // a client that drops the connection is not the test's business
  server.server.on('connection', (socket: { remotePort?: number }) => {
    state.accepted += 1;
    acceptedPorts.push(socket.remotePort ?? 0);
    changed();
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  const sink: SmtpSink = {
    host: '127.0.0.1',
    port,
    messages,
    get count() {
      return state.count;
    },
    get failed() {
      return state.failed;
    },
    get waiting() {
      return waiting;
    },
    pause() {
      if (gate) return;
      let open!: () => void;
      const promise = new Promise<void>((r) => (open = r));
      gate = { promise, open };
    },
    resume() {
      const g = gate;
      gate = undefined;
      g?.open();
    },
    get rejected() {
      return state.rejected;
    },
    get connections() {
      return state.connections;
    },
    get closed() {
      return state.closed;
    },
    get accepted() {
      return state.accepted;
    },
    acceptedPorts,
    until(check) {
      return new Promise<void>((resolve) => {
        const test = (): void => {
          if (!check()) return;
          waiters.delete(test);
          resolve();
        };
        waiters.add(test);
        test();
      });
    },
    get authFailures() {
      return state.authFailures;
    },
    hold() {
      sink.pause();
    },
    release() {
      sink.resume();
    },
    setFailRatio(ratio: number) {
      failRatio = Math.min(1, Math.max(0, ratio));
      failCredit = 0;
    },
    drop() {
      for (const connection of server.connections) (connection as { close(): void }).close();
    },
    reset() {
      sink.resume();
      messages.length = 0;
      acceptedPorts.length = 0;
      Object.assign(state, { count: 0, failed: 0, rejected: 0, connections: 0, closed: 0, accepted: 0, authFailures: 0 });
      failCredit = 0;
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sink;
}
