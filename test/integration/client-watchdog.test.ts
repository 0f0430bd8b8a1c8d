/**
 * The database client watchdog (src/db/client-watchdog.ts) on the real database: a client that keeps failing
 * while the server answers a new one is replaced, and the models go on working on the new one; while the
 * server itself is away nothing is replaced. Our client's failing ping is the one thing given (a driver stuck
 * after an outage cannot be made to order); the new client's probe and the replacement are real.
 */
import mongoose from 'mongoose';
import { ClientWatchdog, pingOwnClient, pingWithNewClient } from '../../src/db/client-watchdog.js';
import type { PingResult } from '../../src/db/db-watch.js';
import { reconnectMongoose } from '../../src/db/connection.js';
import { nextSequence } from '../../src/db/models/index.js';
import { createLogger } from '../../src/logger.js';
import { useTestDatabase } from '../support/db.js';
import { freePort } from '../support/ports.js';

const db = useTestDatabase();
const logger = createLogger('silent');

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, pass: (ms: number) => (t += ms) };
}

it('replaces a client whose pings fail for the set time while a new client reaches the server; the models work on', async () => {
  expect(await nextSequence('watchdog')).toBe(1);
  const before = mongoose.connection.getClient();
  const time = clock();
  const reconnects: number[] = [];
  const watchdog = new ClientWatchdog({
    uri: db.uri,
    logger,
    stuckAfterMs: 20_000,
    ping: () => Promise.resolve('error'),
    reconnect: async () => {
      reconnects.push(time.now());
      await reconnectMongoose(db.uri);
    },
    now: time.now,
  });

  expect(await watchdog.check()).toBe('failing');
  time.pass(19_000);
  expect(await watchdog.check()).toBe('failing');
  expect(reconnects).toEqual([]);
  time.pass(1_000);
  expect(await watchdog.check()).toBe('reconnected');
  expect(reconnects).toHaveLength(1);

  expect(mongoose.connection.getClient()).not.toBe(before);
  // The same database, through the new client.
  expect(await nextSequence('watchdog')).toBe(2);
});

it('replaces nothing while the server itself does not answer (an outage), nor once the client answers again', async () => {
  const time = clock();
  let reconnected = 0;
  let answer: PingResult = 'error';
  const closedPort = await freePort();
  const watchdog = new ClientWatchdog({
    uri: `mongodb://127.0.0.1:${closedPort}/nothing`,
    logger,
    stuckAfterMs: 1_000,
    ping: () => Promise.resolve(answer),
    reconnect: () => {
      reconnected++;
      return Promise.resolve();
    },
    now: time.now,
  });
  expect(await watchdog.check()).toBe('failing');
  time.pass(5_000);
  expect(await watchdog.check()).toBe('database away');
  answer = 'ok';
  expect(await watchdog.check()).toBe('ok');
  answer = 'error';
  // The count starts again after a good ping.
  expect(await watchdog.check()).toBe('failing');
  expect(reconnected).toBe(0);
});

it('never replaces a client that is only slow to answer (its connections busy with long queries)', async () => {
  const time = clock();
  let probed = 0;
  const watchdog = new ClientWatchdog({
    uri: db.uri,
    logger,
    stuckAfterMs: 1_000,
    ping: () => Promise.resolve('slow'),
    probe: () => {
      probed++;
      return Promise.resolve(true);
    },
    reconnect: () => Promise.reject(new Error('must not be replaced')),
    now: time.now,
  });
  for (let i = 0; i < 5; i++) {
    expect(await watchdog.check()).toBe('ok');
    time.pass(10_000);
  }
  expect(probed).toBe(0);
});

it('pings through our own client, and probes with a client of its own: the server answers it, a closed port does not', async () => {
  expect(await pingOwnClient()).toBe('ok');
  expect(await pingWithNewClient(db.uri)).toBe(true);
  expect(await pingWithNewClient(`mongodb://127.0.0.1:${await freePort()}/x`, 500)).toBe(false);
});
