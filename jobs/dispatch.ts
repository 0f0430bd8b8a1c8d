/**
 * Bree job: the dispatch thread. A thin entry; the work is in src/. It stays resident between runs and is
 * woken by messages from the main thread: 'kick' (run requests are waiting), 'reports' (poll SMS reports),
 * 'cancel' (finish the batch in hand and stop).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runDispatchJob, type JobData, type Wake } from '../src/scheduler/dispatch-job.js';
import { MetricsRelay } from '../src/scheduler/metrics-relay.js';

const controller = new AbortController();
// Metrics go to the main thread, whose registry serves /metrics.
const metrics = new MetricsRelay((message) => parentPort?.postMessage(message));
const inbox: Wake[] = [];
let wakeUp: (() => void) | undefined;

parentPort?.on('message', (message: unknown) => {
  if (message === 'cancel') controller.abort();
  else if (message === 'kick' || message === 'reports') inbox.push(message);
  wakeUp?.();
});

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
  await runDispatchJob(workerData as JobData, next, controller.signal, metrics);
} finally {
  metrics.close();
  parentPort?.postMessage('done');
}
