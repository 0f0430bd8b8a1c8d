/**
 * sms.ru's answers, from its double to what the product does with them: the double answers each documented
 * code where sms.ru would (balance, limits, stop list, recipients per request, parts), and the provider maps
 * each code to a permanent or temporary failure with its cause and wait.
 */
import { createSmsProvider } from '../../src/delivery/channels/sms/index.js';
import { untilMoscowMidnight } from '../../src/delivery/channels/sms/smsru.js';
import { PermanentDeliveryError, TemporaryDeliveryError } from '../../src/delivery/channels/types.js';
import { startSmsRuDouble, type SmsRuDouble, type SmsRuDoubleOptions } from '../support/sms-doubles.js';
import { thrown } from '../support/thrown.js';

const API_ID = 'SECRET-API-ID-codes';
const PHONE = '+79123456789';
let double: SmsRuDouble;
let now = Date.parse('2026-11-29T10:00:00Z');

async function withDouble(options: SmsRuDoubleOptions = {}): Promise<SmsRuDouble> {
  await double?.close();
  double = await startSmsRuDouble({ apiId: API_ID, now: () => now, ...options });
  return double;
}
const provider = () => createSmsProvider('smsru', { baseUrl: double.baseUrl, secret: API_ID, secretKind: 'api_id', timeoutMs: 2_000 });
const send = (text = 'Hi', to = PHONE) => provider().send({ to, text });
async function failure(promise: Promise<unknown>): Promise<Error> {
  const err = await thrown(() => promise);
  expect(err.message).not.toContain(API_ID);
  return err;
}
async function code(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await failure(promise);
  return /\(code (\d+)\)/.exec(err.message)?.[1];
}

beforeEach(async () => {
  now += 2 * 86_400_000;
  await withDouble();
});
afterAll(() => double.close());

describe('the double answers as sms.ru does', () => {
  it('takes parts × price off the balance, and answers 201 once it cannot pay', async () => {
    await withDouble({ balance: 10, price: 4.5 });
    const receipt = await send('Я'.repeat(71)); // 2 UCS-2 parts
    expect(receipt).toMatchObject({ parts: 2, cost: 9 });
    expect(double.balance).toBe(1);
    await expect(provider().balance()).resolves.toEqual({ amount: 1, currency: 'RUB' });
    expect(await code(send('Hi'))).toBe('201');
    expect(double.balance).toBe(1);
  });

  it('counts parts with its own counter: 8 parts pass, 9 are refused with 205', async () => {
    expect(await send('a'.repeat(153 * 8))).toMatchObject({ parts: 8 });
    expect(await code(send('a'.repeat(153 * 8 + 1)))).toBe('205');
    expect(await send('€'.repeat(76 * 8))).toMatchObject({ parts: 8 }); // escape pairs never split
    expect(await code(send('€'.repeat(76 * 8 + 1)))).toBe('205');
  });

  it('refuses a number in the stop list with 209, and the account over its daily limit with 206', async () => {
    double.stopList.add('79123456789');
    expect(await code(send())).toBe('209');
    await withDouble({ dailyLimit: 2 });
    await send('one', '+79120000001');
    await send('two', '+79120000002');
    expect(await code(send('three', '+79120000003'))).toBe('206');
    now += 86_400_000;
    await expect(send('next day', '+79120000003')).resolves.toMatchObject({ parts: 1 });
  });

  it('limits one number: 230 over its messages a day, 231 the same text within a minute, 232 the same text a day', async () => {
    await withDouble({ perNumberDaily: 3, sameTextPerMinute: 1, sameTextDaily: 2 });
    await send('same');
    expect(await code(send('same'))).toBe('231');
    now += 61_000;
    await send('same');
    now += 61_000;
    expect(await code(send('same'))).toBe('232');
    await send('other');
    expect(await code(send('another'))).toBe('230');
    await expect(send('another', '+79120000009')).resolves.toBeDefined();
  });

  it('answers 207 for every number when a request names more than 100', async () => {
    const numbers = Array.from({ length: 101 }, (_, i) => `7912${String(i).padStart(7, '0')}`);
    const res = await fetch(`${double.baseUrl}/sms/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_id: API_ID, to: numbers.join(','), msg: 'hi', json: '1' }),
    });
    const body = (await res.json()) as { status: string; sms: Record<string, { status: string; status_code: number }> };
    expect(body.status).toBe('OK');
    expect(Object.values(body.sms).every((e) => e.status === 'ERROR' && e.status_code === 207)).toBe(true);
    expect(double.accepted).toHaveLength(0);
  });

  it('does not charge a test message (test=1)', async () => {
    await withDouble({ balance: 5 });
    await createSmsProvider('smsru', { baseUrl: double.baseUrl, secret: API_ID, secretKind: 'api_id', testMode: true }).send({
      to: PHONE,
      text: 'Hi',
    });
    expect(double.balance).toBe(5);
  });
});

describe('the product maps every code', () => {
  it.each([
    [200, 'auth'],
    [201, 'balance'],
    [202, 'address'],
    [203, 'other'],
    [204, 'sender'],
    [205, 'other'],
    [207, 'address'],
    [209, 'address'],
  ])('%i is permanent, cause %s', async (status, cause) => {
    double.nextCodes(status);
    const err = await failure(send());
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ failureCause: cause, code: String(status) });
  });

  it.each([
    [220, undefined, 'other'],
    [500, undefined, 'other'],
    [231, 60_000, 'other'],
    [233, 60_000, 'other'],
  ])('%i is temporary, waiting %s ms', async (status, wait, cause) => {
    double.nextCodes(status);
    const err = await failure(send());
    expect(err).toBeInstanceOf(TemporaryDeliveryError);
    expect(err).toMatchObject({ retryAfterMs: wait, failureCause: cause });
  });

  it.each([
    [206, 'limit'],
    [230, 'other'],
    [232, 'other'],
  ])("%i waits until sms.ru's day ends (Moscow midnight), cause %s", async (status, cause) => {
    double.nextCodes(status);
    const err = (await failure(send())) as TemporaryDeliveryError;
    expect(err).toBeInstanceOf(TemporaryDeliveryError);
    expect(err.failureCause).toBe(cause);
    const expected = untilMoscowMidnight();
    expect(Math.abs(err.retryAfterMs! - expected)).toBeLessThan(5_000);
  });

  it('computes Moscow midnight in UTC+3', () => {
    // 20:30 UTC is 23:30 in Moscow: half an hour to midnight, plus a minute.
    expect(untilMoscowMidnight(Date.parse('2026-11-29T20:30:00Z'))).toBe(31 * 60_000);
    // 21:30 UTC is already 00:30 the next day in Moscow.
    expect(untilMoscowMidnight(Date.parse('2026-11-29T21:30:00Z'))).toBe((23 * 60 + 31) * 60_000);
  });
});
