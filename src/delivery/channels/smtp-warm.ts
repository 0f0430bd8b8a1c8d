/**
 * Connections to the SMTP server opened ahead of the first letter. A new connection costs its TCP handshake
 * and the server's greeting, which servers hold back on purpose: smtp-server waits 100 ms to catch clients
 * that talk too soon, Postfix's postscreen several seconds, and over the internet come the round trips. A
 * run that opens them when it starts, while it plans, has them greeted by the time its first letter is ready.
 *
 * nodemailer's pool asks its `getSocket` option for each connection it opens; {@link WarmSockets.getSocket}
 * gives it one of these, or nothing, and the pool then connects as it always does. Over a socket given to
 * it nodemailer does all the rest: it waits for the greeting (already received, or still to come), says
 * EHLO, upgrades to TLS (from the first byte for `tls`, or by STARTTLS) and logs in.
 *
 * Sockets nobody takes within `idleMs` are closed with QUIT, as are those still waiting when the channel
 * closes: a server sees a client that said goodbye, not a dropped connection.
 */
import net from 'node:net';

/** How long a socket opened ahead waits to be taken before it is closed, in ms. */
export const WARM_IDLE_MS = 20_000;
/** What a socket opened ahead may receive before it is taken (a greeting of a few lines), in bytes. */
const GREETING_MAX_BYTES = 4096;

export interface WarmSocketsOptions {
  host: string;
  port: number;
  /** Connections the pool opens at most: no more are open at once (waiting, or given to the pool). */
  max: number;
  /** @defaultValue {@link WARM_IDLE_MS} */
  idleMs?: number;
}

/** The answer nodemailer's `getSocket` option expects: a connected socket, or `false` to connect itself. */
type SocketAnswer = (err: Error | null, socketOptions?: { connection: net.Socket } | false) => void;

export class WarmSockets {
  /** Opened ahead, not taken yet, with what each has received so far. */
  readonly #waiting = new Map<net.Socket, Buffer[]>();
  /** Given to the pool and still open. */
  readonly #given = new Set<net.Socket>();
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(private readonly opts: WarmSocketsOptions) {}

  /** Sockets opened ahead and not taken yet (open or still connecting). */
  get waiting(): number {
    return this.#waiting.size;
  }

  /**
   * Opens connections until as many are open as the pool may use, counting those waiting and those the pool
   * holds that came from here. Connections the pool opened itself are not known here: call this on a new
   * transport, or when the pool has been idle.
   */
  open(): void {
    if (this.#closed) return;
    for (let n = this.#waiting.size + this.#given.size; n < this.opts.max; n++) {
      const socket = net.connect({ host: this.opts.host, port: this.opts.port });
      // An error (refused, reset) only means this one is not given out; the pool connects itself then.
      socket.on('error', () => socket.destroy());
      socket.once('close', () => this.#waiting.delete(socket));
      // Read what comes (the greeting), so that a server closing the connection is seen at once (a socket
      // nobody reads from never notices); it goes back into the socket for nodemailer when it is taken.
      const received: Buffer[] = [];
      let bytes = 0;
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        bytes += chunk.length;
        // A greeting is a few lines; a server that sends more than this before anyone spoke is not kept.
        if (bytes > GREETING_MAX_BYTES) socket.destroy();
      });
      this.#waiting.set(socket, received);
    }
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#quitWaiting(), this.opts.idleMs ?? WARM_IDLE_MS);
    this.#idleTimer.unref();
  }

  /** nodemailer's `getSocket` option: a socket opened ahead that is still open, or none. */
  readonly getSocket = (_options: unknown, callback: SocketAnswer): void => {
    // Chosen after this turn of the event loop has read what came in: a close the server sent is seen.
    setImmediate(() => {
      const socket = this.#take();
      callback(null, socket ? { connection: socket } : false);
    });
  };

  /** Closes what waits (with QUIT); sockets given to the pool are the pool's to close. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    this.#quitWaiting();
  }

  #take(): net.Socket | undefined {
    for (const [socket, received] of this.#waiting) {
      this.#waiting.delete(socket);
      // A socket the server has closed (its timeout, a restart) is of no use: the pool connects itself.
      if (socket.destroyed || socket.readableEnded || !socket.writable) {
        socket.destroy();
        continue;
      }
      socket.removeAllListeners('data');
      socket.pause(); // nodemailer resumes it once it listens
      if (received.length) socket.unshift(Buffer.concat(received));
      // Its 'error' listener stays: nodemailer adds its own once it has built the connection, a tick later.
      this.#given.add(socket);
      socket.once('close', () => this.#given.delete(socket));
      return socket;
    }
    return undefined;
  }

  #quitWaiting(): void {
    for (const socket of this.#waiting.keys()) {
      this.#waiting.delete(socket);
      if (socket.destroyed) continue;
      // QUIT before the greeting is a client talking too soon; the server closes either way.
      socket.end('QUIT\r\n');
      socket.setTimeout(5_000, () => socket.destroy());
    }
  }
}
