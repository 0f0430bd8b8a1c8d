/** The strict Bot API double itself: each rule of Telegram's turns into Telegram's own refusal. */
import { TelegramServer } from '../support/telegram-server.js';
import { freePort } from '../support/ports.js';
import { NOT_MODIFIED, startStrictBotApi, visibleText, type StrictBotApi } from '../support/strict-bot-api.js';

const TOKEN = '1234567890:AAH-test-token-for-the-strict-double';
let server: TelegramServer;
let api: StrictBotApi;
let now = 1_000_000;

interface Answer {
  status: number;
  body: { ok: boolean; result?: { message_id?: number }; error_code?: number; description?: string; parameters?: { retry_after?: number } };
}

async function call(method: string, params: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(`${api.apiRoot}/bot${TOKEN}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const refused = (status: number, description: string) => ({ status, body: { ok: false, error_code: status, description } });
const keyboard = (buttons: Array<{ text: string; callback_data: string }>, perRow = 1) => {
  const rows = [];
  for (let i = 0; i < buttons.length; i += perRow) rows.push(buttons.slice(i, i + perRow));
  return { inline_keyboard: rows };
};

beforeAll(async () => {
  server = new TelegramServer({ port: await freePort(), host: '127.0.0.1' });
  await server.start();
  api = await startStrictBotApi(server, { now: () => now });
});
afterAll(async () => {
  await api.close();
  await server.stop();
});
beforeEach(() => {
  now += 60_000;
  api.reset();
  api.setLimits({ overall: { perSecond: 30, burst: 35 }, perChat: { perSecond: 1, burst: 3 } });
  api.knowChat(10);
});

describe('chats', () => {
  it('refuses a chat nobody wrote from with "chat not found", and knows one once its user has written', async () => {
    expect(await call('sendMessage', { chat_id: 555, text: 'hi' })).toMatchObject(refused(400, 'Bad Request: chat not found'));
    const client = server.getClient(TOKEN, { userId: 555, chatId: 555, firstName: 'Eve' });
    await client.sendMessage(client.makeMessage('hello bot'));
    expect(await call('sendMessage', { chat_id: 555, text: 'hi' })).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('answers 403 for a chat whose user blocked the bot', async () => {
    api.block(10);
    expect(await call('sendMessage', { chat_id: 10, text: 'hi' })).toMatchObject(refused(403, 'Forbidden: bot was blocked by the user'));
    api.block(10, false);
    expect((await call('sendMessage', { chat_id: 10, text: 'hi' })).status).toBe(200);
  });
});

describe('text', () => {
  it('takes 4096 characters and refuses 4097, counting UTF-16 code units as Telegram does', async () => {
    expect((await call('sendMessage', { chat_id: 10, text: 'я'.repeat(4096) })).status).toBe(200);
    expect(await call('sendMessage', { chat_id: 10, text: 'я'.repeat(4097) })).toMatchObject(
      refused(400, 'Bad Request: message is too long'),
    );
    // An emoji outside the BMP is two units: 2048 of them fill the message, 2049 do not fit.
    now += 10_000;
    expect((await call('sendMessage', { chat_id: 10, text: '😀'.repeat(2048) })).status).toBe(200);
    expect((await call('sendMessage', { chat_id: 10, text: '😀'.repeat(2049) })).status).toBe(400);
  });

  it('counts the text after entity parsing', async () => {
    expect(visibleText('<b>bold</b> &amp; <a href="x">link</a>', 'HTML')).toBe('bold & link');
    expect(visibleText('*bold* \\*star\\*', 'MarkdownV2')).toBe('bold *star*');
    const html = `<b>${'a'.repeat(4096)}</b>`;
    expect((await call('sendMessage', { chat_id: 10, text: html, parse_mode: 'HTML' })).status).toBe(200);
    expect((await call('sendMessage', { chat_id: 10, text: html })).status).toBe(400);
  });

  it('takes entities inside the text, counting UTF-16 units, and refuses what Telegram refuses of them', async () => {
    // "😀 " is three units: a bold "#12" starts at 3.
    const text = '😀 #12 «Отчёт»';
    const bold = (offset: number, length: number) => [{ type: 'bold', offset, length }];
    expect((await call('sendMessage', { chat_id: 10, text, entities: bold(3, text.length - 3) })).status).toBe(200);
    now += 10_000;
    expect(await call('sendMessage', { chat_id: 10, text, entities: bold(3, text.length - 2) })).toMatchObject(
      refused(400, 'Bad Request: entity is out of the text bounds'),
    );
    expect(await call('sendMessage', { chat_id: 10, text, entities: bold(-1, 2) })).toMatchObject(
      refused(400, 'Bad Request: entity is out of the text bounds'),
    );
    expect(await call('sendMessage', { chat_id: 10, text, entities: bold(0, 0) })).toMatchObject(
      refused(400, 'Bad Request: entity is out of the text bounds'),
    );
    expect(await call('sendMessage', { chat_id: 10, text, entities: [{ type: 'shouting', offset: 0, length: 1 }] })).toMatchObject(
      refused(400, 'Bad Request: unsupported entity type "shouting"'),
    );
    expect(await call('sendMessage', { chat_id: 10, text, entities: bold(0, 1), parse_mode: 'HTML' })).toMatchObject(
      refused(400, "Bad Request: can't use parse_mode and entities together"),
    );
    expect(await call('sendMessage', { chat_id: 10, text, entities: [{ type: 'text_link', offset: 0, length: 2 }] })).toMatchObject(
      refused(400, 'Bad Request: wrong text link URL'),
    );
    expect(api.refusals).toHaveLength(6);
    api.refusals.length = 0;
  });

  it('refuses an empty text', async () => {
    expect(await call('sendMessage', { chat_id: 10, text: ' ' })).toMatchObject(refused(400, 'Bad Request: message text is empty'));
  });
});

describe('buttons', () => {
  it('takes callback_data of 1 to 64 bytes (not characters)', async () => {
    const ok = await call('sendMessage', {
      chat_id: 10,
      text: 't',
      reply_markup: keyboard([{ text: 'x', callback_data: 'a'.repeat(64) }]),
    });
    expect(ok.status).toBe(200);
    for (const data of ['a'.repeat(65), 'я'.repeat(33), '']) {
      now += 10_000;
      const answer = await call('sendMessage', { chat_id: 10, text: 't', reply_markup: keyboard([{ text: 'x', callback_data: data }]) });
      expect(answer).toMatchObject(refused(400, 'Bad Request: BUTTON_DATA_INVALID'));
    }
  });

  it('takes 100 buttons and refuses 101, or more than 8 in a row', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `b${i}`, callback_data: `d${i}` }));
    expect((await call('sendMessage', { chat_id: 10, text: 't', reply_markup: keyboard(many(100), 5) })).status).toBe(200);
    expect(await call('sendMessage', { chat_id: 10, text: 't', reply_markup: keyboard(many(101), 5) })).toMatchObject(
      refused(400, 'Bad Request: BUTTONS_TOO_MUCH'),
    );
    expect((await call('sendMessage', { chat_id: 10, text: 't', reply_markup: keyboard(many(9), 9) })).status).toBe(400);
  });

  it('refuses an answer to a button press over 200 characters', async () => {
    expect(await call('answerCallbackQuery', { callback_query_id: '1', text: 'x'.repeat(201) })).toMatchObject(
      refused(400, 'Bad Request: MESSAGE_TOO_LONG'),
    );
  });
});

describe('edits', () => {
  it('refuses an edit that changes nothing, and one of a message that is not there', async () => {
    const markup = keyboard([{ text: 'x', callback_data: 'd' }]);
    const sent = await call('sendMessage', { chat_id: 10, text: 'v1', reply_markup: markup });
    const id = sent.body.result!.message_id;
    expect(await call('editMessageText', { chat_id: 10, message_id: id, text: 'v1', reply_markup: markup })).toMatchObject(
      refused(400, NOT_MODIFIED),
    );
    expect(await call('editMessageReplyMarkup', { chat_id: 10, message_id: id, reply_markup: markup })).toMatchObject(
      refused(400, NOT_MODIFIED),
    );
    expect((await call('editMessageText', { chat_id: 10, message_id: id, text: 'v2', reply_markup: markup })).status).toBe(200);
    expect(await call('editMessageText', { chat_id: 10, message_id: 999_999, text: 'v3' })).toMatchObject(
      refused(400, 'Bad Request: message to edit not found'),
    );
  });
});

describe('flood limits', () => {
  it('lets a chat have a burst of 3, then 1 a second, answering 429 with retry_after', async () => {
    for (let i = 0; i < 3; i++) expect((await call('sendMessage', { chat_id: 10, text: `m${i}` })).status).toBe(200);
    const flood = await call('sendMessage', { chat_id: 10, text: 'too soon' });
    expect(flood).toEqual({
      status: 429,
      body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } },
    });
    now += 1000;
    expect((await call('sendMessage', { chat_id: 10, text: 'a second later' })).status).toBe(200);
    expect((await call('sendMessage', { chat_id: 10, text: 'too soon again' })).status).toBe(429);
  });

  it('holds the bot to 30 a second overall (burst 35) across chats', async () => {
    const chats = Array.from({ length: 40 }, (_, i) => 100 + i);
    for (const c of chats) api.knowChat(c);
    const statuses = [];
    for (const c of chats) statuses.push((await call('sendMessage', { chat_id: c, text: 'news' })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(35);
    expect(statuses.slice(35)).toEqual([429, 429, 429, 429, 429]);
    now += 100; // 3 tokens back at 30 a second
    const after = [];
    for (const c of chats.slice(35)) after.push((await call('sendMessage', { chat_id: c, text: 'news' })).status);
    expect(after).toEqual([200, 200, 200, 429, 429]);
  });

  it('says how long to wait when the limits are set lower', async () => {
    api.setLimits({ perChat: { perSecond: 0.2, burst: 1 } });
    expect((await call('sendMessage', { chat_id: 10, text: 'one' })).status).toBe(200);
    expect((await call('sendMessage', { chat_id: 10, text: 'two' })).body.parameters).toEqual({ retry_after: 5 });
  });
});

describe('what the emulator lacks', () => {
  it('answers setMyCommands, checking the commands as Telegram does', async () => {
    expect((await call('setMyCommands', { commands: [{ command: 'help', description: 'Help' }] })).status).toBe(200);
    expect(api.commands.get('default/')).toEqual([{ command: 'help', description: 'Help' }]);
    expect(await call('setMyCommands', { commands: [{ command: 'Bad-Command', description: 'x' }] })).toMatchObject(
      refused(400, 'Bad Request: BOT_COMMAND_INVALID'),
    );
    expect(
      await call('setMyCommands', { commands: [{ command: 'x', description: 'x' }], scope: { type: 'chat', chat_id: 4321 } }),
    ).toMatchObject(refused(400, 'Bad Request: chat not found'));
  });
});
