import http from 'node:http';
import type net from 'node:net';
import { TelegramServer } from '../support/telegram-server.js';
import { startStrictBotApi, type StrictBotApi } from '../support/strict-bot-api.js';
import { createTelegramChannel } from '../../src/delivery/channels/telegram.js';
import { freePort } from '../support/ports.js';
import { PermanentDeliveryError, TemporaryDeliveryError, type OutgoingMessage } from '../../src/delivery/channels/types.js';
import { thrown } from '../support/thrown.js';
import { Types } from 'mongoose';
import { composeMessage, groupByRecipient } from '../../src/delivery/compose.js';
import type { LeanRecipient } from '../../src/db/documents.js';

const TOKEN = '1234567890:AAH-test-token-for-the-emulator-xyz';

/** What the emulator stored of a sendMessage call (its own typings leave the message untyped). */
interface SentMessage {
  chat_id: string | number;
  text: string;
  parse_mode?: string;
  entities?: Array<{ type: string; offset: number; length: number }>;
  reply_markup?: { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
}

function msg(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { channel: 'telegram', to: '1001', text: '#12 «Отчёт»\n• статус: новое → выполнено', ...over };
}

describe('Telegram channel against the strict Bot API double', () => {
  let server: TelegramServer;
  let strict: StrictBotApi;
  let apiRoot: string;

  beforeAll(async () => {
    server = new TelegramServer({ port: await freePort(), host: '127.0.0.1' });
    await server.start();
    strict = await startStrictBotApi(server);
    apiRoot = strict.apiRoot;
  });
  afterAll(async () => {
    await strict.close();
    await server.stop();
  });
  beforeEach(() => {
    server.storage.botMessages.length = 0;
    strict.reset();
    for (const chat of ['1001', '2001', '2002', '2003']) strict.knowChat(chat);
  });
  afterEach(() => {
    expect(strict.refusals).toEqual([]);
  });
  const sentMessages = () =>
    server.storage.botMessages.map((m) => {
      const message: unknown = m.message;
      return { botToken: m.botToken, message: message as SentMessage };
    });

  it('sends plain text with the open, stop-watching, channels and comment buttons', async () => {
    const channel = createTelegramChannel({ token: TOKEN, apiRoot });
    const receipt = await channel.send(msg({ taskNumber: 12 }));

    expect(server.storage.botMessages).toHaveLength(1);
    const sent = sentMessages()[0]!;
    expect(sent.botToken).toBe(TOKEN);
    expect(String(sent.message.chat_id)).toBe('1001');
    expect(sent.message.text).toBe('#12 «Отчёт»\n• статус: новое → выполнено');
    expect(sent.message.parse_mode).toBeUndefined();
    const keyboard = sent.message.reply_markup!.inline_keyboard;
    expect(keyboard.flat().map((b) => b.callback_data)).toEqual(['task:view:12', 'tw:unwatch:12', 'tw:chan:12', 'tw:reply:12']);
    expect(keyboard.flat().every((b) => b.text.includes('#12'))).toBe(true);
    expect(receipt.providerMessageId).toMatch(/^\d+$/);
  });

  it('sends no keyboard when the message is not about one task', async () => {
    const channel = createTelegramChannel({ token: TOKEN, apiRoot });
    await channel.send(msg({ text: '3 изменения в заданиях' }));
    expect(sentMessages()[0]!.message.reply_markup).toBeUndefined();
  });

  it('sends a digest of several tasks with an open button for each', async () => {
    const channel = createTelegramChannel({ token: TOKEN, apiRoot });
    await channel.send(msg({ text: '2 изменения в заданиях', taskNumbers: [31, 7] }));
    const keyboard = sentMessages()[0]!.message.reply_markup!.inline_keyboard;
    expect(keyboard.flat().map((b) => [b.text, b.callback_data])).toEqual([
      ['📋 #31', 'task:view:31'],
      ['📋 #7', 'task:view:7'],
    ]);
  });

  it('sends a digest over 4096 characters composed for one person as one valid message with its styles, saying what is left out', async () => {
    const person = { _id: new Types.ObjectId(), telegramId: 1001, name: 'Анна', timezone: 'Europe/Moscow', language: 'ru', role: 'member' };
    const actor = { ...person, _id: new Types.ObjectId(), name: 'Иван Петров' };
    const tasks = Array.from({ length: 60 }, (_, i) => ({
      _id: new Types.ObjectId(),
      number: i + 1,
      // Emoji are two UTF-16 units: offsets after them are where a count in characters would go wrong.
      title: `Квартальный отчёт 📊 номер ${i + 1} для бухгалтерии`,
      status: 'done',
      priority: 'high',
      due: new Date('2025-12-25T15:00:00Z'),
      author: actor._id,
    }));
    const changes = tasks.map((t, i) => ({
      _id: new Types.ObjectId(),
      task: t._id,
      actor: actor._id,
      at: new Date(Date.UTC(2025, 11, 20, 7, i)),
      fields: [
        { field: 'status', from: 'new', to: 'done' },
        { field: 'comment', from: '', to: 'Готово 🎉, проверьте цифры' },
      ],
    }));
    const deliveries = changes.map((c, i) => ({
      _id: new Types.ObjectId(),
      change: c._id,
      task: tasks[i]!._id,
      person: person._id,
      channel: 'telegram',
      address: '1001',
    }));
    const ctx = {
      changeById: new Map(changes.map((c) => [String(c._id), c])),
      taskById: new Map(tasks.map((t) => [String(t._id), t])),
      personById: new Map([person, actor].map((p) => [String(p._id), p as unknown as LeanRecipient])),
    };
    const { groups } = groupByRecipient(deliveries, ctx);
    expect(groups).toHaveLength(1);
    const { message } = composeMessage(groups[0]!, ctx, { templates: {}, smsMaxParts: 3, mailDomain: 'example.org' });
    const whole = changes.length;

    const channel = createTelegramChannel({ token: TOKEN, apiRoot });
    await channel.send(message);

    // The double refused nothing (afterEach): length and every entity were within Telegram's rules.
    const sent = sentMessages()[0]!.message;
    expect(sent.text.length).toBeLessThanOrEqual(4096);
    expect(sent.parse_mode).toBeUndefined();
    const tail = /…и ещё (\d+) изменени[йея]: \/task (\d+)$/.exec(sent.text);
    expect(tail).not.toBeNull();
    const shown = sent.text.match(/• статус: новое → выполнено/g)!.length;
    expect(sent.text.match(/• комментарий: /g)!.length).toBe(shown);
    expect(shown + Number(tail![1])).toBe(whole);
    // Every title shown is bold, exactly over its header line; each "who, when" is in italics.
    const styled = (type: string) =>
      sent.entities!.filter((e) => e.type === type).map((e) => sent.text.slice(e.offset, e.offset + e.length));
    const headers = sent.text.split('\n').filter((l) => /^#\d+ «/.test(l));
    expect(headers.length).toBeGreaterThan(10);
    expect(styled('bold')).toEqual([`${whole} изменений в заданиях`, ...headers]);
    expect(styled('italic').every((s) => s.startsWith('Иван Петров, 20.12.2025 '))).toBe(true);
    // An open button per task, in the message's order, at most 20.
    expect(sent.reply_markup!.inline_keyboard.flat().map((b) => b.callback_data)).toEqual(
      Array.from({ length: 20 }, (_, i) => `task:view:${i + 1}`),
    );
  });

  it("paces a burst within Telegram's limits, without dropping anything, keeping each chat in order", async () => {
    // Telegram's numbers, as the double enforces them: 1 a second per chat (after a burst of 3), 30 a second overall.
    const channel = createTelegramChannel({ token: TOKEN, apiRoot });
    const chats = ['2001', '2002', '2003'];
    const sends = chats.flatMap((chat) => [1, 2, 3, 4, 5].map((i) => channel.send(msg({ to: chat, text: `${chat}/${i}` }))));
    await Promise.all(sends);

    expect(server.storage.botMessages).toHaveLength(15);
    for (const chat of chats) {
      const texts = sentMessages()
        .filter((m) => String(m.message.chat_id) === chat)
        .map((m) => m.message.text);
      expect(texts).toEqual([1, 2, 3, 4, 5].map((i) => `${chat}/${i}`));
    }
  });

  it('keeps 30 a second overall when notifying many chats at once', async () => {
    const chats = Array.from({ length: 45 }, (_, i) => String(3000 + i));
    for (const chat of chats) strict.knowChat(chat);
    const channel = createTelegramChannel({ token: TOKEN, apiRoot });
    await Promise.all(chats.map((chat) => channel.send(msg({ to: chat, text: `to ${chat}` }))));
    expect(server.storage.botMessages).toHaveLength(45);
  });

  it('maps what Telegram refuses: 429 with retry_after, a blocked bot, an unknown chat', async () => {
    const channel = createTelegramChannel({ token: TOKEN, apiRoot, perSecond: 1000, perChatIntervalMs: 0, rateLimitRetries: 0 });
    strict.setLimits({ perChat: { perSecond: 1, burst: 1 } });
    await channel.send(msg({ text: 'first' }));
    const flood = await thrown(() => channel.send(msg({ text: 'second, too soon' })));
    expect(flood).toBeInstanceOf(TemporaryDeliveryError);
    expect((flood as TemporaryDeliveryError).retryAfterMs).toBe(1000);

    strict.block('2001');
    const blocked = await thrown(() => channel.send(msg({ to: '2001' })));
    expect(blocked).toBeInstanceOf(PermanentDeliveryError);
    expect(blocked).toMatchObject({ failureCause: 'address', code: '403' });

    const unknown = await thrown(() => channel.send(msg({ to: '4242' })));
    expect(unknown).toBeInstanceOf(PermanentDeliveryError);
    expect(unknown).toMatchObject({ failureCause: 'address', code: '400' });
    expect(unknown.message).toContain('chat not found');
    expect(strict.refusals.map((r) => r.status)).toEqual([429, 403, 400]);
    strict.refusals.length = 0;
  });

  it('waits out a 429 as Telegram asks: nothing goes out before retry_after, then the same message again', async () => {
    // Telegram's limit tighter than the channel's own pace, as when another process sends with the same token.
    strict.setLimits({ overall: { perSecond: 2, burst: 2 } });
    const chats = ['2001', '2002', '2003', '1001', '2002'];
    const observed = { rateLimited: 0, calls: [] as boolean[] };
    const channel = createTelegramChannel({
      token: TOKEN,
      apiRoot,
      observer: {
        sendTime: (_channel, _seconds, ok) => void observed.calls.push(ok),
        smsBilled: () => undefined,
        telegramRateLimited: () => void (observed.rateLimited += 1),
      },
    });
    const started = Date.now();
    await Promise.all(chats.map((chat, i) => channel.send(msg({ to: chat, text: `message ${i}` }))));

    expect(server.storage.botMessages).toHaveLength(5);
    expect(
      sentMessages()
        .map((m) => m.message.text)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4].map((i) => `message ${i}`));
    // Every 429 was answered by the same request once retry_after had passed (an early one would be refused
    // again and stay in strict.refusals, which afterEach checks is empty).
    expect(strict.honoured.length).toBeGreaterThan(0);
    expect(strict.honoured.every((r) => r.status === 429)).toBe(true);
    expect(observed.rateLimited).toBe(strict.honoured.length);
    expect(observed.calls.filter((ok) => !ok)).toHaveLength(strict.honoured.length);
    expect(observed.calls.filter((ok) => ok)).toHaveLength(5);
    // 2 at once, then 2 a second: the last of 5 cannot go out before 1.5 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('fails at once, with the wait, when Telegram asks for longer than the channel waits itself', async () => {
    strict.refuse('sendMessage', { status: 429, description: 'Too Many Requests: retry after 120', retryAfter: 120 });
    const channel = createTelegramChannel({ token: TOKEN, apiRoot });
    const first = await thrown(() => channel.send(msg({ text: 'flood' })));
    expect(first).toBeInstanceOf(TemporaryDeliveryError);
    expect((first as TemporaryDeliveryError).retryAfterMs).toBe(120_000);
    // The hold stands: the next message fails without asking Telegram again.
    const next = await thrown(() => channel.send(msg({ to: '2001', text: 'next' })));
    expect(next).toBeInstanceOf(TemporaryDeliveryError);
    expect((next as TemporaryDeliveryError).retryAfterMs).toBeGreaterThan(100_000);
    expect(strict.refusals).toHaveLength(1);
    strict.refusals.length = 0;
  });

  it('cuts a text longer than Telegram allows', async () => {
    const channel = createTelegramChannel({ token: TOKEN, apiRoot });
    await channel.send(msg({ text: 'я'.repeat(5000) }));
    const text = sentMessages()[0]!.message.text;
    expect(text).toHaveLength(4096);
    expect(text.endsWith('…')).toBe(true);
  });

  it('keeps, of a text it has to cut, only the styles wholly inside what is left', async () => {
    const channel = createTelegramChannel({ token: TOKEN, apiRoot });
    const entities = [
      { type: 'bold' as const, offset: 0, length: 10 },
      { type: 'italic' as const, offset: 4090, length: 20 },
    ];
    await channel.send(msg({ text: 'я'.repeat(5000), entities }));
    const sent = sentMessages()[0]!.message;
    expect(sent.text).toHaveLength(4096);
    expect(sent.entities).toEqual([{ type: 'bold', offset: 0, length: 10 }]);
  });

  it('refuses a chat id that cannot be one, for good', async () => {
    const channel = createTelegramChannel({ token: TOKEN, apiRoot });
    const err = await thrown(() => channel.send(msg({ to: 'not a chat' })));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect((err as PermanentDeliveryError).failureCause).toBe('address');
  });
});

describe('Telegram channel: error answers of the Bot API', () => {
  let api: http.Server;
  let apiRoot: string;
  const hanging: http.ServerResponse[] = [];

  const answers: Record<string, { status: number; body: unknown }> = {
    '429': {
      status: 429,
      body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } },
    },
    '403': { status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } },
    '400': { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } },
    '401': { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } },
    '502': { status: 502, body: '<html>Bad Gateway</html>' },
  };

  beforeAll(async () => {
    api = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const chat = String((JSON.parse(body) as { chat_id: unknown }).chat_id);
        if (chat === '999') return void hanging.push(res); // never answers
        const a = answers[chat] ?? answers['400']!;
        res.writeHead(a.status, { 'content-type': typeof a.body === 'string' ? 'text/html' : 'application/json' });
        res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    apiRoot = `http://127.0.0.1:${(api.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const res of hanging) res.destroy();
    await new Promise<void>((r) => api.close(() => r()));
  });

  async function failure(to: string, opts: { apiRoot?: string; timeoutMs?: number; rateLimitRetries?: number } = {}): Promise<Error> {
    const channel = createTelegramChannel({ token: TOKEN, apiRoot, ...opts });
    const err = await thrown(() => channel.send(msg({ to, taskNumber: 7 })));
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain(TOKEN.split(':')[1]);
    return err;
  }

  it('429 is temporary and carries retry_after', async () => {
    const err = await failure('429', { rateLimitRetries: 0 });
    expect(err).toBeInstanceOf(TemporaryDeliveryError);
    expect((err as TemporaryDeliveryError).retryAfterMs).toBe(3000);
  });

  it('403 (blocked by the user) is a permanent address failure', async () => {
    const err = await failure('403');
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ failureCause: 'address', code: '403' });
    expect(err.message).toContain('bot was blocked by the user');
  });

  it('400 "chat not found" is a permanent address failure', async () => {
    const err = await failure('400');
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect((err as PermanentDeliveryError).failureCause).toBe('address');
  });

  it('401 is a permanent auth failure', async () => {
    const err = await failure('401');
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect((err as PermanentDeliveryError).failureCause).toBe('auth');
  });

  it('a 5xx answer is temporary', async () => {
    const err = await failure('502');
    expect(err).toBeInstanceOf(TemporaryDeliveryError);
    expect(err.message).toContain('502');
  });

  it('an API that is down, or does not answer in time, is temporary', async () => {
    const down = await failure('1001', { apiRoot: `http://127.0.0.1:${await freePort()}` });
    expect(down).toBeInstanceOf(TemporaryDeliveryError);
    const slow = await failure('999', { timeoutMs: 200 });
    expect(slow).toBeInstanceOf(TemporaryDeliveryError);
    expect(slow.message).toContain('timed out');
  });
});
