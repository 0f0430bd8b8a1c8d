import { createEmailChannel, type EmailChannel, type SmtpSettings } from '../../src/delivery/channels/email.js';
import { parseSmtpUrl } from '../../src/domain/smtp-url.js';
import { PermanentDeliveryError, TemporaryDeliveryError, type OutgoingMessage } from '../../src/delivery/channels/types.js';
import { renderEmail } from '../../src/domain/templates.js';
import { notificationWords } from '../../src/i18n/notification-words.js';
import { freePort } from '../support/ports.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { thrown } from '../support/thrown.js';
import { WarmSockets } from '../../src/delivery/channels/smtp-warm.js';
import net, { type AddressInfo, type Socket } from 'node:net';

const PASSWORD = 'p@ss:w0rd/Секрет';
const from = 'Taskwatch <tw@example.org>';

function letter(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { channel: 'email', to: 'anna@example.org', subject: 'Hello', text: 'Body', ...over };
}

const open: Array<{ close(): unknown }> = [];
async function sink(opts?: Parameters<typeof startSmtpSink>[0]): Promise<SmtpSink> {
  const s = await startSmtpSink(opts);
  open.push(s);
  return s;
}
function channel(settings: Partial<SmtpSettings> & { port: number }, opts?: Parameters<typeof createEmailChannel>[1]): EmailChannel {
  const c = createEmailChannel({ host: '127.0.0.1', security: 'none', from, ...settings }, { timeoutMs: 5000, ...opts });
  open.unshift(c); // channels close before sinks
  return c;
}
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

describe('e-mail channel against a loopback SMTP server', () => {
  it('delivers subject, text and HTML parts, the stable Message-ID and the task header', async () => {
    const s = await sink();
    const c = channel({ port: s.port });
    const rendered = renderEmail(
      [
        {
          task: { number: 12, title: 'Отчёт <b>за</b> квартал', status: 'done', priority: 'high' },
          actor: 'Иван',
          at: new Date('2025-03-20T07:30:00Z'),
          fields: [{ field: 'status', from: 'new', to: 'done' }],
        },
      ],
      {},
      { words: notificationWords('ru'), timezone: 'Europe/Moscow', personName: 'Анна' },
    );
    const receipt = await c.send(letter({ ...rendered, messageId: 'd-42.1@taskwatch.test', taskNumber: 12 }));

    expect(receipt.providerMessageId).toBe('<d-42.1@taskwatch.test>');
    expect(receipt.response).toMatch(/^250/);
    expect(s.messages).toHaveLength(1);
    const m = s.messages[0]!;
    expect(m.from).toBe('tw@example.org');
    expect(m.to).toEqual(['anna@example.org']);
    expect(m.messageId).toBe('<d-42.1@taskwatch.test>');
    expect(m.headers['x-taskwatch-task']).toBe('12');
    expect(m.subject).toBe('Изменено задание #12: Отчёт <b>за</b> квартал');
    expect(m.text).toContain('• статус: новое → выполнено');
    expect(m.html).toContain('Отчёт &lt;b&gt;за&lt;/b&gt; квартал');
  });

  it('keeps a Message-ID that already has angle brackets, and adds no task header without a task', async () => {
    const s = await sink();
    const c = channel({ port: s.port });
    await c.send(letter({ messageId: '<x-1@taskwatch.test>' }));
    expect(s.messages[0]!.messageId).toBe('<x-1@taskwatch.test>');
    expect(s.messages[0]!.headers['x-taskwatch-task']).toBeUndefined();
  });

  it('lets no line break in user data inject a header', async () => {
    const s = await sink();
    const c = channel({ port: s.port, from: 'Taskwatch\r\nX-From-Injected: 1 <tw@example.org>' });
    const title = 'Отчёт\r\nBcc: victim@example.org\r\nX-Injected: yes\n\nbody start';
    await c.send(letter({ subject: `Задание #1: ${title}`, messageId: 'id-1@t\r\nX-Id-Injected: 1' }));

    const m = s.messages[0]!;
    const headerLines = m.raw.slice(0, m.raw.indexOf('\r\n\r\n')).split('\r\n');
    expect(headerLines.filter((l) => /^(bcc|x-injected|x-from-injected|x-id-injected):/i.test(l))).toEqual([]);
    expect(m.to).toEqual(['anna@example.org']);
    expect(m.subject).toBe('Задание #1: Отчёт Bcc: victim@example.org X-Injected: yes body start');
  });

  it('refuses a bad recipient address for good, before talking to the server', async () => {
    const s = await sink();
    const c = channel({ port: s.port });
    for (const to of ['anna@example.org\r\nBcc: victim@example.org', 'no-at-sign', '', 'a@example.org, b@example.org']) {
      const err = await thrown(() => c.send(letter({ to })));
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect((err as PermanentDeliveryError).failureCause).toBe('address');
    }
    expect(s.count).toBe(0);
  });

  it('logs in with the right password and says so in verify()', async () => {
    const s = await sink({ auth: { user: 'bot', pass: PASSWORD } });
    const c = channel({ port: s.port, user: 'bot', password: PASSWORD, insecureLogin: true });
    expect(await c.verify()).toBe(`127.0.0.1:${s.port} no encryption, login ok`);
    await c.send(letter());
    expect(s.count).toBe(1);
  });

  it('never sends a login to a server without STARTTLS unless the admin allowed it (insecureLogin)', async () => {
    const s = await sink({ auth: { user: 'bot', pass: PASSWORD } });
    const c = channel({ port: s.port, user: 'bot', password: PASSWORD });
    for (const attempt of [() => c.send(letter()), () => c.verify()]) {
      const err = await thrown(attempt);
      expect(err).toBeInstanceOf(TemporaryDeliveryError);
      expect((err as TemporaryDeliveryError).failureCause).toBe('config');
      expect(err.message).not.toContain(PASSWORD);
    }
    // The server never saw a login attempt, right or wrong.
    expect(s.authFailures).toBe(0);
    expect(s.count).toBe(0);
  });

  it('a refused login is temporary with cause "auth", and the message never shows the password', async () => {
    const s = await sink({ auth: { user: 'bot', pass: 'right' } });
    const c = channel({ port: s.port, user: 'bot', password: PASSWORD, insecureLogin: true });
    for (const attempt of [() => c.send(letter()), () => c.verify()]) {
      const err = await thrown(attempt);
      expect(err).toBeInstanceOf(TemporaryDeliveryError);
      expect((err as TemporaryDeliveryError).failureCause).toBe('auth');
      expect(err.message).toMatch(/535/);
      expect(err.message).not.toContain(PASSWORD);
      expect(err.message).not.toContain(encodeURIComponent(PASSWORD));
      expect(err.stack ?? '').not.toContain(PASSWORD);
    }
    expect(s.count).toBe(0);
  });

  it('451 at the end of DATA is temporary', async () => {
    const s = await sink({ failRatio: 1 });
    const c = channel({ port: s.port });
    const err = await thrown(() => c.send(letter()));
    expect(err).toBeInstanceOf(TemporaryDeliveryError);
    expect((err as TemporaryDeliveryError).failureCause).toBe('other');
    expect(err.message).toContain('451 4.3.0 Try again later');
  });

  it('a 5xx at the end of DATA is permanent, not an address problem', async () => {
    const s = await sink({ failRatio: 1, failCode: 554 });
    const c = channel({ port: s.port });
    const err = await thrown(() => c.send(letter()));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ failureCause: 'other', code: '554' });
  });

  it('a recipient refused with 550 is a permanent address failure', async () => {
    const s = await sink({ rejectRecipients: ['Gone@Example.org'] });
    const c = channel({ port: s.port });
    const err = await thrown(() => c.send(letter({ to: 'gone@example.org' })));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ failureCause: 'address', code: '550' });
    expect(err.message).toContain('550 5.1.1');
    await c.send(letter()); // the pool goes on with the next message
    expect(s.count).toBe(1);
  });

  it('a server that is down is a temporary failure', async () => {
    const c = channel({ port: await freePort() });
    const err = await thrown(() => c.send(letter()));
    expect(err).toBeInstanceOf(TemporaryDeliveryError);
    expect((err as TemporaryDeliveryError).failureCause).toBe('other');
    await expect(c.verify()).rejects.toBeInstanceOf(TemporaryDeliveryError);
  });

  it('STARTTLS required but not offered: temporary, cause "config"', async () => {
    const s = await sink();
    const c = channel({ port: s.port, security: 'starttls' });
    const err = await thrown(() => c.verify());
    expect(err).toBeInstanceOf(TemporaryDeliveryError);
    expect((err as TemporaryDeliveryError).failureCause).toBe('config');
  });

  it("TLS: refuses a certificate that does not verify (smtp-server's own test one) unless allowed", async () => {
    const s = await sink({ secure: true });
    const strict = channel({ port: s.port, security: 'tls' });
    const err = await thrown(() => strict.verify());
    expect(err).toBeInstanceOf(TemporaryDeliveryError);
    expect((err as TemporaryDeliveryError).failureCause).toBe('config');

    const lax = channel({ port: s.port, security: 'tls' }, { allowSelfSigned: true });
    expect(await lax.verify()).toBe(`127.0.0.1:${s.port} TLS, no login`);
    await lax.send(letter());
    expect(s.count).toBe(1);
  });

  it('a pool sends many letters over few connections, and retries nothing itself', async () => {
    const s = await sink({ failRatio: 0.25 });
    const c = channel({ port: s.port }, { maxConnections: 2 });
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => c.send(letter({ to: `p${i}@example.org`, messageId: `m${i}@t` }))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(30);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.every((r) => r.reason instanceof TemporaryDeliveryError)).toBe(true);
    expect(s.count).toBe(30);
    expect(s.failed).toBe(10);
    expect(s.connections).toBeLessThanOrEqual(2);
  });
});

describe('connections opened ahead (warm)', () => {
  /** A sink, and a channel of `n` connections opened ahead and greeted. */
  async function warmed(n: number): Promise<{ s: SmtpSink; c: EmailChannel }> {
    const s = await sink();
    const c = channel({ port: s.port }, { maxConnections: n });
    c.warm();
    await s.until(() => s.connections === n); // greeted (smtp-server greets after 100 ms)
    return { s, c };
  }

  it("opens the pool's connections ahead, and the letters go over them", async () => {
    const { s, c } = await warmed(3);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => c.send(letter({ to: `p${i}@example.org` }))));
    expect(results).toHaveLength(6);
    expect(s.count).toBe(6);
    expect(s.connections).toBe(3); // not one more: the pool took the three that waited
  });

  it('opens no more than the pool may hold, however often it is asked', async () => {
    const s = await sink();
    const ahead = new WarmSockets({ host: '127.0.0.1', port: s.port, max: 2 });
    open.unshift(ahead);
    ahead.open();
    ahead.open();
    expect(ahead.waiting).toBe(2);
    const taken = await new Promise<{ connection: Socket } | false | undefined>((resolve) =>
      ahead.getSocket({}, (_err, socket) => resolve(socket)),
    );
    expect(taken && !taken.connection.destroyed).toBe(true);
    ahead.open(); // the one taken is still open: it counts
    expect(ahead.waiting).toBe(1);
    if (taken) taken.connection.destroy();
  });

  it('closes with QUIT the connections nobody took, and the pool then connects itself', async () => {
    const s = await sink();
    const c = channel({ port: s.port }, { maxConnections: 2, warmIdleMs: 1 });
    c.warm();
    await s.until(() => s.closed === 2);
    await c.send(letter());
    expect(s.count).toBe(1);
  });

  it('closes the connections that wait when the channel closes', async () => {
    const { s, c } = await warmed(2);
    c.close();
    await s.until(() => s.closed === 2);
  });

  it('checks the certificate over a connection opened ahead as over any other (TLS from the first byte)', async () => {
    const s = await sink({ secure: true });
    const strict = channel({ port: s.port, security: 'tls' }, { maxConnections: 1 });
    strict.warm();
    await s.until(() => s.accepted === 1);
    const err = await thrown(() => strict.send(letter()));
    expect(err).toBeInstanceOf(TemporaryDeliveryError);
    expect((err as TemporaryDeliveryError).failureCause).toBe('config');
    expect(s.accepted).toBe(1); // the handshake refused was the one over the connection opened ahead

    const lax = channel({ port: s.port, security: 'tls' }, { maxConnections: 1, allowSelfSigned: true });
    lax.warm();
    await s.until(() => s.accepted === 2);
    await lax.send(letter());
    expect(s.count).toBe(1);
    expect(s.accepted).toBe(2);
  });

  it('drops a connection opened ahead that is sent more than a greeting before anyone spoke', async () => {
    let closed!: () => void;
    const gone = new Promise<void>((resolve) => (closed = resolve));
    const flood = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('close', () => closed());
      socket.write(`220-${'x'.repeat(64 * 1024)}\r\n`);
    });
    await new Promise<void>((resolve) => flood.listen(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise((resolve) => flood.close(resolve)) });
    const ahead = new WarmSockets({ host: '127.0.0.1', port: (flood.address() as AddressInfo).port, max: 1 });
    open.unshift(ahead);
    ahead.open();
    await gone;
    const given = await new Promise<unknown>((resolve) => ahead.getSocket({}, (_err, socket) => resolve(socket)));
    expect(given).toBe(false);
  });

  it('does not hand the pool a connection the server has closed since', async () => {
    const { s, c } = await warmed(1);
    s.drop();
    await s.until(() => s.closed === 1);
    await c.send(letter());
    expect(s.count).toBe(1);
    expect(s.connections).toBe(2);
  });
});

describe('parseSmtpUrl', () => {
  it('parses smtps with TLS and URL-decoded credentials', () => {
    expect(parseSmtpUrl('smtps://robot%40example.org:p%40ss%3Aw0rd@smtp.example.org:465')).toEqual({
      host: 'smtp.example.org',
      port: 465,
      security: 'tls',
      user: 'robot@example.org',
      password: 'p@ss:w0rd',
    });
    expect(parseSmtpUrl('smtps://u:p@smtp.example.org')).toMatchObject({ port: 465, security: 'tls' });
  });

  it('smtp: STARTTLS on 587, plain otherwise, ?security= overrides', () => {
    expect(parseSmtpUrl('smtp://u:p@mail.example.org:587')).toMatchObject({ port: 587, security: 'starttls' });
    expect(parseSmtpUrl('smtp://u:p@mail.example.org:25')).toMatchObject({ port: 25, security: 'none' });
    expect(parseSmtpUrl('smtp://u:p@mail.example.org:2525?security=starttls')).toMatchObject({ security: 'starttls' });
    expect(parseSmtpUrl('smtp://u:p@mail.example.org:587?security=none')).toMatchObject({ security: 'none' });
    expect(parseSmtpUrl('SMTP://mail.example.org:25')).toEqual({ host: 'mail.example.org', port: 25, security: 'none' });
  });

  it('rejects malformed input with a clear message that never repeats the password', () => {
    const bad = [
      'smtp.example.org:465',
      'http://u:secretpw@host:465',
      'smtps://u:secretpw@:465',
      'smtps://u:secretpw@host:99999',
      'smtps://u:secretpw@host:465/path',
      'smtps://u:secretpw@host:465?security=ssl',
      'smtps://u:secretpw@host:465?foo=1',
      'smtps://u@host:465',
      'smtps://u:secret%E0pw@host:465',
    ];
    for (const url of bad) {
      let message = '';
      try {
        parseSmtpUrl(url);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain('expected smtps://login:password@host:465');
      expect(message).not.toContain('secret');
    }
  });
});
