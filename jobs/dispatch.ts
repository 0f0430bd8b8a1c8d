/** Bree job: carries out requested dispatch runs (and a scheduled one). A thin entry; the work is in src/. */
import { parentPort, workerData } from 'node:worker_threads';
import { runDispatchJob, type JobData } from '../src/scheduler/dispatch-job.js';

const controller = new AbortController();
parentPort?.on('message', (message) => {
  if (message === 'cancel') controller.abort();
});

try {
  await runDispatchJob(workerData as JobData, controller.signal);
} finally {
  parentPort?.postMessage('done');
}
