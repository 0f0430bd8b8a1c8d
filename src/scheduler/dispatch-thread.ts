/**
 * The supervision of the resident dispatch thread (a Bree job): woken by messages, watched by its
 * heartbeat, started again after a failure with a growing pause, and waited for when the process stops.
 */
import type Bree from 'bree';
import type { Logger } from '../logger.js';

/** Whether this worker can do its work now: see {@link DispatchThread.readiness}. */
export type Readiness = { ready: true; detail: string } | { ready: false; reason: string };

/** Missed heartbeats after which a resident dispatch thread counts as stuck. */
const MISSED_HEARTBEATS = 3;
/** Longest wait before a failed dispatch thread is started again, in ms. */
const MAX_RESTART_DELAY_MS = 60_000;
/** The Bree job's name. */
export const DISPATCH = 'dispatch';

export class DispatchThread {
  #since = 0;
  #lastBeat = 0;
  #failure?: string;
  #restartDelayMs = 1_000;
  #restartTimer?: NodeJS.Timeout;
  #idleWaiters: Array<() => void> = [];
  #stopping = false;

  constructor(
    private readonly bree: Bree,
    private readonly logger: Logger,
    /** The thread ended normally (not failed) while the process runs: a kick it missed is looked for again. */
    private readonly onEnded: () => void,
  ) {
    bree.on('worker created', (name: string) => {
      if (name !== DISPATCH) return;
      this.#since = Date.now();
      this.#lastBeat = 0;
    });
    bree.on('worker deleted', (name: string) => {
      if (name === DISPATCH) this.#deleted();
    });
  }

  /** Bree's errorHandler for this job. */
  errored(err: unknown): void {
    this.#failure ??= err instanceof Error ? err.message : String(err);
  }

  /** The thread's heartbeat ({ heartbeat }) and its failure ({ failed }), before its 'done' (Bree's own). */
  message(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    if ('heartbeat' in message) {
      this.#lastBeat = Date.now();
      this.#failure = undefined;
      this.#restartDelayMs = 1_000;
    } else if ('failed' in message) {
      this.#failure = String(message.failed);
      this.logger.error({ job: DISPATCH, error: message.failed }, 'the dispatch thread failed');
    }
  }

  #deleted(): void {
    for (const w of this.#idleWaiters.splice(0)) w();
    if (this.#failure !== undefined && !this.#stopping) {
      // A thread that failed is started again, sooner the first time, later if it keeps failing.
      const delay = this.#restartDelayMs;
      this.#restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
      this.logger.warn({ inSeconds: delay / 1000 }, 'the dispatch thread failed; starting it again');
      clearTimeout(this.#restartTimer);
      this.#restartTimer = setTimeout(() => this.kick(), delay);
      this.#restartTimer.unref();
      return;
    }
    // A kick posted while the thread was already on its way out is lost: look for requests again.
    if (!this.#stopping) this.onEnded();
  }

  /**
   * The dispatch thread's side of readiness: a resident thread must have sent a heartbeat within
   * {@link MISSED_HEARTBEATS} periods (else it is stuck); a thread that failed counts until a new one beats;
   * no thread at all is fine (it ends when idle and starts on the next run).
   * @param heartbeatMs the thread's heartbeat period (config DISPATCH_HEARTBEAT_MS)
   */
  readiness(heartbeatMs: number, now = Date.now()): Readiness {
    const resident = this.bree.workers.has(DISPATCH);
    if (resident) {
      const last = this.#lastBeat || this.#since;
      const age = now - last;
      if (age > MISSED_HEARTBEATS * heartbeatMs) {
        return { ready: false, reason: `dispatch thread stuck: no heartbeat for ${Math.round(age / 1000)} s` };
      }
      if (this.#lastBeat) return { ready: true, detail: 'dispatch thread alive' };
    }
    if (this.#failure !== undefined) return { ready: false, reason: `dispatch thread failed: ${this.#failure}` };
    return { ready: true, detail: resident ? 'dispatch thread starting' : 'dispatch thread idle' };
  }

  /** Wakes the thread (starting it when it is not resident) to carry out requested runs. */
  kick(): void {
    if (this.#stopping) return;
    clearTimeout(this.#restartTimer);
    const worker = this.bree.workers.get(DISPATCH);
    if (worker) worker.postMessage('kick');
    else this.bree.run(DISPATCH).catch((err: unknown) => this.logger.error({ err }, 'the dispatch thread failed to start'));
  }

  /** Asks the resident thread to poll the SMS reports; false when there is none. */
  pollReports(): boolean {
    const worker = this.bree.workers.get(DISPATCH);
    worker?.postMessage('reports');
    return worker !== undefined;
  }

  /**
   * The running dispatch finishes the messages in hand and gives back those not started
   * (src/delivery/dispatch.ts), for up to `graceMs`; then the thread is ended.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const worker = this.bree.workers.get(DISPATCH);
    if (!worker) return;
    worker.postMessage('cancel');
    await Promise.race([
      new Promise<void>((resolve) => this.#idleWaiters.push(resolve)),
      new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
    ]);
    // A thread that did not stop in time (stuck, or still sending) is ended: Bree's stop would wait for it
    // for ever. Its leases run out and another worker takes its deliveries over.
    const left = this.bree.workers.get(DISPATCH);
    if (left) {
      this.logger.warn({ graceMs }, 'the dispatch thread did not stop in time; ending it');
      await left.terminate();
    }
  }
}
