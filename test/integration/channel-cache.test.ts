/**
 * The dispatch thread's channels (src/scheduler/job-context.ts): a run opens the SMTP pool's connections ahead,
 * while it plans; a poll of SMS reports opens none; a set opens them once, not at every run. (That those not
 * taken are closed is test/integration/email-channel.test.ts's.)
 */
import net from 'node:net';
import { useTestDatabase } from '../support/db.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { saveLoopbackGateways } from '../support/gateway-settings.js';
import { ChannelCache } from '../../src/scheduler/job-context.js';
import { SecretBox } from '../../src/secrets.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

useTestDatabase();
const secrets = new SecretBox('channel-cache-test-key-0123456789');
let sink: SmtpSink;

beforeEach(async () => {
  sink = await startSmtpSink();
  await saveLoopbackGateways(secrets, sink.port);
});
afterEach(async () => {
  await sink.close();
});

function cache(): ChannelCache {
  return new ChannelCache({ config: loadConfig({ LOG_LEVEL: 'silent' }), logger: createLogger('silent'), secrets });
}

/**
 * Opens one connection of our own and waits until the sink has accepted it: connections are accepted in the
 * order they came, so any opened before it have been counted by then.
 */
async function afterEveryEarlierConnection(): Promise<void> {
  const probe = net.connect({ host: '127.0.0.1', port: sink.port });
  probe.on('error', () => undefined);
  await new Promise((resolve) => probe.once('connect', resolve));
  const port = probe.localPort;
  await sink.until(() => sink.acceptedPorts.includes(port ?? -1));
  probe.destroy();
}

it('a poll of SMS reports opens no SMTP connection', async () => {
  const c = cache();
  await c.get();
  await afterEveryEarlierConnection();
  expect(sink.accepted).toBe(1); // the probe alone
  await c.close();
});

it("a run opens the pool's connections ahead, once for the set: later runs find them open", async () => {
  const c = cache();
  await c.get(); // a report poll built the set
  await c.get(true); // the first run opens them
  await sink.until(() => sink.connections === 5);
  await c.get(true); // a later run opens none more
  await afterEveryEarlierConnection();
  expect(sink.accepted).toBe(6); // five opened ahead and the probe
  await c.close();
});
