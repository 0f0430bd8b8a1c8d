/**
 * The dispatch thread's side of metrics. prom-client's registry in a worker thread is not the one the main
 * thread serves on `/metrics`, so the thread only accumulates ({@link MetricsRecorder}) and posts deltas to
 * its parent: every `everyMs`, at the end of each run, and when it stops. The Scheduler hands them on.
 */
import { MetricsRecorder, type DeliveryMetrics, type MetricsMessage, type RunTrigger } from '../delivery/metrics.js';

export class MetricsRelay extends MetricsRecorder implements DeliveryMetrics {
  readonly #timer: NodeJS.Timeout;

  /**
   * @param post sends one message to the main thread (`parentPort.postMessage`)
   * @param everyMs how often what accumulated is posted, in ms @defaultValue 1000
   */
  constructor(
    private readonly post: (message: MetricsMessage) => void,
    everyMs = 1000,
  ) {
    super();
    this.#timer = setInterval(() => this.flush(), everyMs);
    this.#timer.unref();
  }

  /** A run ended: its figures go to the main thread at once, before its result is read. */
  override runDuration(trigger: RunTrigger, seconds: number): void {
    super.runDuration(trigger, seconds);
    this.flush();
  }

  /** Posts what accumulated, if anything. */
  flush(): void {
    const delta = this.take();
    if (delta) this.post({ type: 'taskwatch-metrics', delta });
  }

  /** Posts the rest and stops the timer. */
  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}
