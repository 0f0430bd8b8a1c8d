/** Bree job: polls SMS delivery reports when no dispatch thread is resident. A thin entry; the work is in src/. */
import { parentPort, workerData } from 'node:worker_threads';
import { runSmsReportsJob } from '../src/scheduler/sms-reports-job.js';
import type { JobData } from '../src/scheduler/job-context.js';

try {
  await runSmsReportsJob(workerData as JobData);
} finally {
  parentPort?.postMessage('done');
}
