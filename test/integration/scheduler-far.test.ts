/**
 * A schedule whose next run is further away than Node's longest timer (2^31−1 ms, about 24.8 days) sleeps
 * until then: before the fix, `/schedule 0 9 1 1 *` wrote hundreds of Run documents and burnt a core.
 */
import { SecretBox } from '../../src/secrets.js';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunModel } from '../../src/db/models/index.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { saveSchedule } from '../../src/services/settings.js';
import { createLogger } from '../../src/logger.js';
import { loadConfig } from '../../src/config.js';
import { useTestDatabase } from '../support/db.js';

const db = useTestDatabase();

it.each(['0 9 1 1 *', '0 12 29 2 *', '0 8 1 * *'])('cron %s: sleeps: no Run is written while it waits', async (cron) => {
  await saveSchedule({ kind: 'cron', cron });
  const s = new Scheduler({
    logger: createLogger('silent'),
    // Nothing is due, so no gateway is called; loopback addresses all the same.
    config: loadConfig({
      LOG_LEVEL: 'silent',
      SECRET_KEY: 'test-secret-key-0123456789',
      SMSRU_BASE_URL: 'http://127.0.0.1:9',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
    }),
    mongoUri: db.uri,
    secrets: new SecretBox('test-secret-key-0123456789'),
    jobsDir: path.resolve('dist/jobs'),
    pollMs: 100,
  });
  await s.start();
  try {
    expect(s.schedule).toEqual({ kind: 'cron', cron });
    // A window, not a wait for a condition: what is measured is that nothing happens in it.
    await sleep(1500);
    expect(await RunModel.countDocuments({ trigger: 'schedule' })).toBe(0);
  } finally {
    await s.stop();
  }
});
