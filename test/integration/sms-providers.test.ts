/** Each SMS provider against its loopback double: the request it makes and how it reads every answer. */
import { createSmsProvider, smsChannel } from '../../src/delivery/channels/sms/index.js';
import { normalizePhone } from '../../src/domain/phone.js';
import type { SmsProvider, SmsProviderOptions } from '../../src/delivery/channels/sms/provider.js';
import { PermanentDeliveryError, TemporaryDeliveryError } from '../../src/delivery/channels/types.js';
import type { SmsProviderName } from '../../src/domain/types.js';
import { thrown as errorOf } from '../support/thrown.js';
import {
  startSmsAeroDouble,
  startSmscDouble,
  startSmsRuDouble,
  startTwilioDouble,
  type GatewayDouble,
  type SmsRuDouble,
  type TwilioDouble,
} from '../support/sms-doubles.js';

const PHONE = '+79123456789';
const RU_TEXT = 'Задача 12: статус «Выполнена»';

/** Every error a test provoked, to check afterwards that no secret leaked into one. */
const thrown: Array<{ error: unknown; secret: string }> = [];

async function failure(promise: Promise<unknown>, secret: string): Promise<Error> {
  const error = await errorOf(() => promise);
  thrown.push({ error, secret });
  return error;
}

async function expectPermanent(promise: Promise<unknown>, secret: string, cause: string, code?: string) {
  const err = await failure(promise, secret);
  expect(err).toBeInstanceOf(PermanentDeliveryError);
  expect(err).toMatchObject({ failureCause: cause, ...(code ? { code } : {}) });
  return err;
}

async function expectTemporary(promise: Promise<unknown>, secret: string) {
  const err = await failure(promise, secret);
  expect(err).toBeInstanceOf(TemporaryDeliveryError);
  return err as TemporaryDeliveryError;
}

afterAll(() => {
  // The check every provider shares: no api_id, password, key or token in any thrown error.
  expect(thrown.length).toBeGreaterThan(30);
  for (const { error, secret } of thrown) {
    const e = error as Error;
    expect(e.message).not.toContain(secret);
    expect(String(e.stack)).not.toContain(secret);
  }
});

describe('sms.ru', () => {
  const API_ID = 'SECRET-API-ID-7f3a9c';
  let double: SmsRuDouble;
  const provider = (extra: Partial<SmsProviderOptions> = {}) =>
    createSmsProvider('smsru', { baseUrl: double.baseUrl, secret: API_ID, secretKind: 'api_id', timeoutMs: 2_000, ...extra });

  beforeAll(async () => {
    double = await startSmsRuDouble({ apiId: API_ID, balance: 1234.5, senders: ['TaskWatch', 'Office'], slowMs: 1_000 });
  });
  afterEach(() => double.reset());
  afterAll(() => double.close());

  it('POSTs a form to /sms/send: api_id, digits without +, Cyrillic as UTF-8, json=1, no optional flags', async () => {
    const receipt = await provider().send({ to: PHONE, text: RU_TEXT });

    expect(double.requests).toHaveLength(1);
    const req = double.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/sms/send');
    expect(req.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(req.query).toEqual({});
    expect(req.fields).toEqual({ api_id: API_ID, to: '79123456789', msg: RU_TEXT, json: '1' });
    expect(req.body).toContain(`msg=${encodeURIComponent('Задача')}`);
    expect(double.accepted).toEqual([{ id: receipt.providerMessageId, to: '79123456789', msg: RU_TEXT, test: false, translit: false }]);
    expect(receipt.providerMessageId).toMatch(/^\d+-\d+$/);
  });

  it('sends from, translit=1 and test=1 only when they are set', async () => {
    await provider({ sender: 'Office', translit: true, testMode: true }).send({ to: PHONE, text: 'Hi' });
    expect(double.requests[0]!.fields).toMatchObject({ from: 'Office', translit: '1', test: '1' });
    expect(double.accepted[0]).toMatchObject({ from: 'Office', test: true, translit: true });
  });

  it('authenticates with login and password instead of api_id', async () => {
    double.reset();
    const withPassword = await startSmsRuDouble({ login: 'ivan', password: 'SECRET-PASSWORD-1' });
    try {
      const p = createSmsProvider('smsru', {
        baseUrl: withPassword.baseUrl,
        login: 'ivan',
        secret: 'SECRET-PASSWORD-1',
        secretKind: 'password',
      });
      await p.send({ to: PHONE, text: 'Hi' });
      expect(withPassword.requests[0]!.fields).toMatchObject({ login: 'ivan', password: 'SECRET-PASSWORD-1' });
      expect(withPassword.requests[0]!.fields.api_id).toBeUndefined();

      const wrong = createSmsProvider('smsru', {
        baseUrl: withPassword.baseUrl,
        login: 'ivan',
        secret: 'SECRET-WRONG-2',
        secretKind: 'password',
      });
      await expectPermanent(wrong.send({ to: PHONE, text: 'Hi' }), 'SECRET-WRONG-2', 'auth', '301');
    } finally {
      await withPassword.close();
    }
  });

  it.each([
    [201, 'balance'],
    [202, 'address'],
    [207, 'address'],
    [204, 'sender'],
    [205, 'other'],
    [203, 'other'],
    [299, 'other'],
  ])('maps the per-number code %i to PermanentDeliveryError(%s)', async (code, cause) => {
    double.nextCodes(code);
    const err = await expectPermanent(provider().send({ to: PHONE, text: 'Hi' }), API_ID, cause, String(code));
    expect(err.message).toContain(String(code));
  });

  it.each([220, 500])('maps the code %i to TemporaryDeliveryError', async (code) => {
    double.nextCodes(code);
    await expectTemporary(provider().send({ to: PHONE, text: 'Hi' }), API_ID);
    double.setMode({ code });
    await expectTemporary(provider().send({ to: PHONE, text: 'Hi' }), API_ID);
  });

  it.each([200, 300, 301, 302])('maps the top-level code %i to cause auth', async (code) => {
    double.setMode({ code });
    await expectPermanent(provider().send({ to: PHONE, text: 'Hi' }), API_ID, 'auth', String(code));
  });

  it('is refused with code 200 and cause auth for a wrong api_id, which the message does not show', async () => {
    const wrong = createSmsProvider('smsru', { baseUrl: double.baseUrl, secret: 'SECRET-WRONG-API-ID', secretKind: 'api_id' });
    const err = await expectPermanent(wrong.send({ to: PHONE, text: 'Hi' }), 'SECRET-WRONG-API-ID', 'auth', '200');
    expect(err.message).toMatch(/api_id/);
    await expectPermanent(wrong.check(), 'SECRET-WRONG-API-ID', 'auth', '200');
  });

  it('cuts the secret out of a gateway text that echoes it', async () => {
    double.setMode({ code: 200, text: `Неправильный api_id ${API_ID}` });
    const err = await expectPermanent(provider().send({ to: PHONE, text: 'Hi' }), API_ID, 'auth');
    expect(err.message).toContain('***');
  });

  it('checks the sender and the number as sms.ru does', async () => {
    await expectPermanent(provider({ sender: 'NotApproved' }).send({ to: PHONE, text: 'Hi' }), API_ID, 'sender', '204');
    double.numberCodes.set('79990000000', 202);
    await expectPermanent(provider().send({ to: '+79990000000', text: 'Hi' }), API_ID, 'address', '202');
    await expectPermanent(provider().send({ to: PHONE, text: 'Я'.repeat(67 * 8 + 1) }), API_ID, 'other', '205');
  });

  it('treats a timeout, HTTP 503, a dropped connection and an HTML page as temporary', async () => {
    double.setMode('slow');
    const slow = await expectTemporary(provider({ timeoutMs: 100 }).send({ to: PHONE, text: 'Hi' }), API_ID);
    expect(slow.message).toMatch(/no answer within 100 ms/);

    double.setMode('down');
    const down = await expectTemporary(provider().send({ to: PHONE, text: 'Hi' }), API_ID);
    expect(down.message).toMatch(/HTTP 503/);
    expect(down.retryAfterMs).toBe(2_000);

    double.setMode('reset');
    await expectTemporary(provider().send({ to: PHONE, text: 'Hi' }), API_ID);

    double.setMode('html');
    const html = await expectTemporary(provider().send({ to: PHONE, text: 'Hi' }), API_ID);
    expect(html.message).toMatch(/not JSON/);
  });

  it('fails the requested share of messages, temporarily', async () => {
    double.failureRatio(0.25);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => provider().send({ to: PHONE, text: 'Hi' })));
    const failed = results.filter((r) => r.status === 'rejected');
    failed.forEach((r) => thrown.push({ error: r.reason, secret: API_ID }));
    expect(failed).toHaveLength(2);
    expect(failed.every((r) => r.reason instanceof TemporaryDeliveryError)).toBe(true);
    expect(double.accepted).toHaveLength(6);
  });

  it('reads delivery reports: 103 delivered, 104 a final failure, 102 not final, unknown ids left out', async () => {
    const p = provider();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await p.send({ to: PHONE, text: `n${i}` })).providerMessageId!);
    double.report(103, [ids[0]!]);
    double.report(104, [ids[1]!]);

    const reports = await p.status!([...ids, '000000-1']);

    const statusReq = double.requests.at(-1)!;
    expect(statusReq.path).toBe('/sms/status');
    expect(statusReq.fields).toMatchObject({ sms_id: [...ids, '000000-1'].join(','), json: '1', api_id: API_ID });
    expect([...reports.keys()]).toEqual(ids);
    expect(reports.get(ids[0]!)).toMatchObject({ code: '103', final: true, delivered: true });
    expect(reports.get(ids[1]!)).toMatchObject({ code: '104', final: true, delivered: false });
    expect(reports.get(ids[2]!)).toMatchObject({ code: '102', final: false, delivered: false });
    expect(reports.get(ids[0]!)!.text).not.toBe('');
  });

  it('reads balance, senders and cost, and check() reports the balance', async () => {
    const p = provider();
    await expect(p.balance()).resolves.toEqual({ amount: 1234.5, currency: 'RUB' });
    await expect(p.senders!()).resolves.toEqual(['TaskWatch', 'Office']);
    await expect(p.cost!({ to: PHONE, text: 'Я'.repeat(71) })).resolves.toEqual({ cost: 9, parts: 2 });
    await expect(p.check()).resolves.toMatch(/1234\.5 RUB/);
    expect(double.requests.map((r) => r.path)).toEqual(['/my/balance', '/my/senders', '/sms/cost', '/auth/check', '/my/balance']);
    expect(double.requests.every((r) => r.method === 'POST' && r.fields.api_id === API_ID && r.fields.json === '1')).toBe(true);
    expect(double.requests[2]!.fields).toMatchObject({ to: '79123456789', msg: 'Я'.repeat(71) });
  });

  it('reports a network failure as temporary', async () => {
    const gone = await startSmsRuDouble();
    const baseUrl = gone.baseUrl;
    await gone.close();
    const p = createSmsProvider('smsru', { baseUrl, secret: API_ID, secretKind: 'api_id' });
    await expectTemporary(p.send({ to: PHONE, text: 'Hi' }), API_ID);
  });

  it('fails every call with cause config when a password comes without a login', async () => {
    const p = createSmsProvider('smsru', { baseUrl: double.baseUrl, secret: API_ID, secretKind: 'password' });
    await expectPermanent(p.send({ to: PHONE, text: 'Hi' }), API_ID, 'config');
    expect(double.requests).toHaveLength(0);
  });
});

describe('SMSC.ru', () => {
  const PASSWORD = 'SECRET-SMSC-PSW-41b2';
  let double: GatewayDouble<{ code: number }>;
  const provider = (extra: Partial<SmsProviderOptions> = {}) =>
    createSmsProvider('smsc', {
      baseUrl: double.baseUrl,
      login: 'acme',
      secret: PASSWORD,
      secretKind: 'password',
      timeoutMs: 2_000,
      ...extra,
    });

  beforeAll(async () => {
    double = await startSmscDouble({ login: 'acme', password: PASSWORD, balance: 321.5, senders: ['Acme'], slowMs: 1_000 });
  });
  afterEach(() => double.reset());
  afterAll(() => double.close());

  it('POSTs a form to /sys/send.php with login, psw, fmt=3 and reads id, parts and cost', async () => {
    const receipt = await provider().send({ to: PHONE, text: RU_TEXT });
    const req = double.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/sys/send.php');
    expect(req.query).toEqual({});
    expect(req.fields).toEqual({
      login: 'acme',
      psw: PASSWORD,
      phones: '79123456789',
      mes: RU_TEXT,
      charset: 'utf-8',
      cost: '3',
      fmt: '3',
    });
    expect(receipt).toMatchObject({ providerMessageId: '1', parts: 1, cost: 2.5 });
  });

  it('sends sender and translit when set; test mode only asks for the cost', async () => {
    await provider({ sender: 'Acme', translit: true }).send({ to: PHONE, text: 'Hi' });
    expect(double.requests[0]!.fields).toMatchObject({ sender: 'Acme', translit: '1' });

    const receipt = await provider({ testMode: true }).send({ to: PHONE, text: 'Hi' });
    expect(double.requests[1]!.fields.cost).toBe('1');
    expect(receipt.providerMessageId).toBeUndefined();
  });

  it.each([
    [1, 'other'],
    [2, 'auth'],
    [3, 'balance'],
    [5, 'other'],
    [6, 'sender'],
    [7, 'address'],
    [8, 'address'],
  ])('maps error %i to PermanentDeliveryError(%s)', async (code, cause) => {
    double.setMode({ code });
    await expectPermanent(provider().send({ to: PHONE, text: 'Hi' }), PASSWORD, cause, String(code));
  });

  it.each([4, 9])('maps error %i to TemporaryDeliveryError', async (code) => {
    double.setMode({ code });
    await expectTemporary(provider().send({ to: PHONE, text: 'Hi' }), PASSWORD);
  });

  it('is refused for a wrong password (auth) and an unapproved sender (sender)', async () => {
    const wrong = createSmsProvider('smsc', { baseUrl: double.baseUrl, login: 'acme', secret: 'SECRET-WRONG-PSW', secretKind: 'password' });
    await expectPermanent(wrong.check(), 'SECRET-WRONG-PSW', 'auth', '2');
    await expectPermanent(provider({ sender: 'Other' }).send({ to: PHONE, text: 'Hi' }), PASSWORD, 'sender', '6');
  });

  it('treats timeouts and HTTP 5xx as temporary', async () => {
    double.setMode('slow');
    await expectTemporary(provider({ timeoutMs: 100 }).send({ to: PHONE, text: 'Hi' }), PASSWORD);
    double.setMode('down');
    await expectTemporary(provider().send({ to: PHONE, text: 'Hi' }), PASSWORD);
  });

  it('reads balance (RUR as RUB), senders and cost', async () => {
    const p = provider();
    await expect(p.balance()).resolves.toEqual({ amount: 321.5, currency: 'RUB' });
    await expect(p.senders!()).resolves.toEqual(['Acme']);
    await expect(p.cost!({ to: PHONE, text: 'Я'.repeat(71) })).resolves.toEqual({ cost: 5, parts: 2 });
    await expect(p.check()).resolves.toMatch(/321\.5 RUB/);
    expect(double.requests.map((r) => r.path)).toEqual(['/sys/balance.php', '/sys/senders.php', '/sys/send.php', '/sys/balance.php']);
    expect(double.requests.every((r) => r.fields.fmt === '3' && r.fields.psw === PASSWORD && r.query.psw === undefined)).toBe(true);
  });
});

describe('SMS Aero', () => {
  const KEY = 'SECRET-AERO-KEY-9d0e';
  let double: GatewayDouble<{ status: number; message: string; data?: unknown }>;
  const provider = (extra: Partial<SmsProviderOptions> = {}) =>
    createSmsProvider('smsaero', {
      baseUrl: double.baseUrl,
      login: 'admin@acme.ru',
      secret: KEY,
      secretKind: 'api_key',
      timeoutMs: 2_000,
      ...extra,
    });

  beforeAll(async () => {
    double = await startSmsAeroDouble({ email: 'admin@acme.ru', apiKey: KEY, balance: 99.5, signs: ['Acme'], slowMs: 1_000 });
  });
  afterEach(() => double.reset());
  afterAll(() => double.close());

  it('POSTs JSON to /sms/send with basic auth email:api_key', async () => {
    const receipt = await provider({ sender: 'Acme' }).send({ to: PHONE, text: RU_TEXT });
    const req = double.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/sms/send');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`admin@acme.ru:${KEY}`).toString('base64')}`);
    expect(req.fields).toEqual({ number: '79123456789', text: RU_TEXT, sign: 'Acme' });
    expect(receipt).toMatchObject({ providerMessageId: '1', response: 'queue' });
  });

  it('leaves sign out without a sender and uses sms/testsend in test mode', async () => {
    await provider({ testMode: true }).send({ to: PHONE, text: 'Hi' });
    expect(double.requests[0]!.path).toBe('/sms/testsend');
    expect(double.requests[0]!.fields.sign).toBeUndefined();
  });

  it('maps refused credentials, a bad number, an unapproved sign and no money', async () => {
    const wrong = createSmsProvider('smsaero', {
      baseUrl: double.baseUrl,
      login: 'admin@acme.ru',
      secret: 'SECRET-WRONG-KEY',
      secretKind: 'api_key',
    });
    await expectPermanent(wrong.send({ to: PHONE, text: 'Hi' }), 'SECRET-WRONG-KEY', 'auth', '401');
    await expectPermanent(provider().send({ to: '+12', text: 'Hi' }), KEY, 'address');
    await expectPermanent(provider({ sender: 'Other' }).send({ to: PHONE, text: 'Hi' }), KEY, 'sender');
    double.setMode({ status: 400, message: 'Not enough money on the balance' });
    await expectPermanent(provider().send({ to: PHONE, text: 'Hi' }), KEY, 'balance');
  });

  it('treats timeouts and HTTP 5xx as temporary', async () => {
    double.setMode('slow');
    await expectTemporary(provider({ timeoutMs: 100 }).send({ to: PHONE, text: 'Hi' }), KEY);
    double.setMode('down');
    await expectTemporary(provider().send({ to: PHONE, text: 'Hi' }), KEY);
  });

  it('reads balance and approved signs', async () => {
    await expect(provider().balance()).resolves.toEqual({ amount: 99.5, currency: 'RUB' });
    await expect(provider().senders!()).resolves.toEqual(['Acme']);
    expect(double.requests.map((r) => r.path)).toEqual(['/balance', '/sign/list']);
  });
});

describe('Twilio', () => {
  const SID = 'AC0123456789abcdef0123456789abcdef';
  const TOKEN = 'SECRET-TWILIO-TOKEN-c81d';
  let double: TwilioDouble;
  const provider = (extra: Partial<SmsProviderOptions> = {}) =>
    createSmsProvider('twilio', {
      baseUrl: double.baseUrl,
      login: SID,
      secret: TOKEN,
      secretKind: 'auth_token',
      sender: '+15005550006',
      timeoutMs: 2_000,
      ...extra,
    });

  beforeAll(async () => {
    double = await startTwilioDouble({ accountSid: SID, authToken: TOKEN, numbers: ['+15005550006'], balance: 12.5, slowMs: 1_000 });
  });
  afterEach(() => double.reset());
  afterAll(() => double.close());

  it('POSTs To, From and Body to Messages.json with basic auth sid:token', async () => {
    const receipt = await provider().send({ to: PHONE, text: RU_TEXT });
    const req = double.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(req.fields).toEqual({ To: PHONE, From: '+15005550006', Body: RU_TEXT });
    expect(receipt).toMatchObject({ response: 'queued', parts: 1 });
    expect(receipt.providerMessageId).toMatch(/^SM/);
  });

  it('maps refused credentials, a bad To, a bad From and a missing sender', async () => {
    const wrong = createSmsProvider('twilio', {
      baseUrl: double.baseUrl,
      login: SID,
      secret: 'SECRET-WRONG-TOKEN',
      secretKind: 'auth_token',
      sender: '+15005550006',
    });
    await expectPermanent(wrong.send({ to: PHONE, text: 'Hi' }), 'SECRET-WRONG-TOKEN', 'auth', '20003');
    await expectPermanent(provider().send({ to: '+12', text: 'Hi' }), TOKEN, 'address', '21211');
    await expectPermanent(provider({ sender: '+15550000000' }).send({ to: PHONE, text: 'Hi' }), TOKEN, 'sender', '21606');
    double.setMode({ status: 400, code: 21614, message: "'To' number is not a valid mobile number" });
    await expectPermanent(provider().send({ to: PHONE, text: 'Hi' }), TOKEN, 'address', '21614');
    double.setMode({ status: 400, code: 21212, message: "Invalid 'From' Phone Number" });
    await expectPermanent(provider().send({ to: PHONE, text: 'Hi' }), TOKEN, 'sender', '21212');
    double.reset();
    const { sender: _unused, ...noSender } = {
      sender: '',
      baseUrl: double.baseUrl,
      login: SID,
      secret: TOKEN,
      secretKind: 'auth_token' as const,
    };
    await expectPermanent(createSmsProvider('twilio', noSender).send({ to: PHONE, text: 'Hi' }), TOKEN, 'config');
    expect(double.requests).toHaveLength(0);
  });

  it('treats 20429 (HTTP 429), HTTP 5xx and timeouts as temporary, honouring Retry-After', async () => {
    double.setMode({ status: 429, code: 20429, message: 'Too Many Requests' });
    await expectTemporary(provider().send({ to: PHONE, text: 'Hi' }), TOKEN);
    double.setMode({ status: 500, code: 20500, message: 'Internal Server Error' });
    await expectTemporary(provider().send({ to: PHONE, text: 'Hi' }), TOKEN);
    double.setMode('down');
    expect((await expectTemporary(provider().send({ to: PHONE, text: 'Hi' }), TOKEN)).retryAfterMs).toBe(2_000);
    double.setMode('slow');
    await expectTemporary(provider({ timeoutMs: 100 }).send({ to: PHONE, text: 'Hi' }), TOKEN);
  });

  it('reads balance and delivery status; unknown messages are left out', async () => {
    const p = provider();
    await expect(p.balance()).resolves.toEqual({ amount: 12.5, currency: 'USD' });
    const { providerMessageId } = await p.send({ to: PHONE, text: 'Hi' });
    double.report('delivered');
    const reports = await p.status!([providerMessageId!, 'SM0000000000000000000000000000ffff']);
    expect([...reports.entries()]).toEqual([[providerMessageId, { code: 'delivered', text: 'delivered', final: true, delivered: true }]]);
    double.report('undelivered');
    expect((await p.status!([providerMessageId!])).get(providerMessageId!)).toMatchObject({ final: true, delivered: false });
    double.report('sending');
    expect((await p.status!([providerMessageId!])).get(providerMessageId!)).toMatchObject({ final: false });
    expect(double.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toContain(
      `/2010-04-01/Accounts/${SID}/Messages/${providerMessageId}.json`,
    );
  });
});

describe('createSmsProvider, smsChannel, normalizePhone', () => {
  it.each<SmsProviderName>(['smsru', 'smsc', 'smsaero', 'twilio'])('creates the %s client', (name) => {
    const p: SmsProvider = createSmsProvider(name, { baseUrl: 'http://127.0.0.1:9', login: 'x', secret: 's', secretKind: 'api_id' });
    expect(p.name).toBe(name);
  });

  it('sends an OutgoingMessage through the provider', async () => {
    const double = await startSmsRuDouble({ apiId: 'SECRET-CHANNEL' });
    try {
      const channel = smsChannel(createSmsProvider('smsru', { baseUrl: double.baseUrl, secret: 'SECRET-CHANNEL', secretKind: 'api_id' }));
      const receipt = await channel.send({ channel: 'sms', to: PHONE, text: RU_TEXT, subject: 'ignored' });
      expect(double.accepted).toEqual([expect.objectContaining({ id: receipt.providerMessageId, to: '79123456789', msg: RU_TEXT })]);
    } finally {
      await double.close();
    }
  });

  it.each([
    ['+7 912 345-67-89', '+79123456789'],
    ['89123456789', '+79123456789'],
    ['8 (912) 345 67 89', '+79123456789'],
    ['9123456789', '+79123456789'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('normalises %s to %s', (input, e164) => {
    expect(normalizePhone(input)).toBe(e164);
  });

  it.each(['', '12345', 'not a phone', '+7 000 000 00 00', '8912345678901234'])('refuses %j', (input) => {
    expect(normalizePhone(input)).toBeUndefined();
  });
});
