/**
 * Bree job: the dispatch thread. A thin entry; the work is in src/. It stays resident between runs and is
 * woken by messages from the main thread: 'kick' (run requests are waiting), 'reports' (poll SMS reports),
 * 'cancel' (finish the batch in hand and stop). It tells the main thread it is alive ({ heartbeat } every
 * DISPATCH_HEARTBEAT_MS, from its own event loop: a thread stuck in a loop stops beating) and why it
 * failed ({ failed }), before 'done'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runDispatchJob, type Wake } from '../src/scheduler/dispatch-job.js';
import type { JobData } from '../src/scheduler/job-context.js';
import { MetricsRelay } from '../src/scheduler/metrics-relay.js';

const controller = new AbortController();
// Metrics go to the main thread, whose registry serves /metrics.
const metrics = new MetricsRelay((message) => parentPort?.postMessage(message));
const inbox: Wake[] = [];
let wakeUp: (() => void) | undefined;
const data = workerData as JobData;

parentPort?.on('message', (message: unknown) => {
  if (message === 'cancel') controller.abort();
  else if (message === 'kick' || message === 'reports') inbox.push(message);
  wakeUp?.();
});

const beat = () => parentPort?.postMessage({ heartbeat: Date.now() });
beat();
const heartbeat = setInterval(beat, data.config.DISPATCH_HEARTBEAT_MS);

function next(idleMs: number): Promise<Wake> {
  return new Promise((resolve) => {
    const take = () => {
      clearTimeout(timer);
      wakeUp = undefined;
      resolve(controller.signal.aborted ? 'idle' : (inbox.shift() ?? 'idle'));
    };
    const timer = setTimeout(take, idleMs);
    if (inbox.length || controller.signal.aborted) take();
    else wakeUp = take;
  });
}

try {
  await runDispatchJob(data, next, controller.signal, metrics);
} catch (err) {
  parentPort?.postMessage({ failed: err instanceof Error ? err.message : String(err) });
} finally {
  clearInterval(heartbeat);
  metrics.close();
  parentPort?.postMessage('done');
}
