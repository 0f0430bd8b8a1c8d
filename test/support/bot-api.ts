/**
 * Drives the real bot through `telegram-test-api` (a Bot API double on loopback), as people would.
 *
 * ```ts
 * const tb = useTestBot({ adminIds: [1] });          // in a test file, after useTestDatabase()
 * const alice = tb.user(2, 'Alice', 'alice');
 * expect(await alice.say('/email a@example.org')).toMatch(/a@example.org/);
 * expect(await alice.press('Отмена')).toMatch(/Отменено/);
 * ```
 *
 * One server per test file on a free port, behind the strict Bot API double (strict-bot-api.ts): the bot
 * talks to `api.apiRoot`, so a reply real Telegram would refuse is refused here, and `useTestBot` fails the
 * test that caused it. Updates are fetched from the double and handed to
 * `bot.handleUpdate()` (telegraf's polling spins against this double, see NOTES.md), so a `say` resolves once
 * the bot has handled the message, and returns the bot's new (or edited) messages in that chat.
 */
import { Writable } from 'node:stream';
import { TelegramServer } from './telegram-server.js';
import { startStrictBotApi, type StrictBotApi, type StrictBotApiOptions } from './strict-bot-api.js';
import { freePort } from './ports.js';
import type { Telegraf } from 'telegraf';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { SecretBox } from '../../src/secrets.js';
import type { DeliveryPort } from '../../src/delivery/port.js';
import { createDeliveryService } from '../../src/delivery/service.js';
import { createBot, type BotContext } from '../../src/bot/create-bot.js';
import type { Background } from '../../src/bot/background.js';

export const TEST_BOT_TOKEN = '123456789:TEST-token-for-the-bot-api-double';
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef';

export interface BotButton {
  text: string;
  data?: string;
}

export interface BotMessage {
  id: number;
  text: string;
  buttons: BotButton[];
}

interface StoredBotMessage {
  messageId: number;
  message: {
    chat_id: number | string;
    text?: string;
    reply_markup?: { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> };
  };
}

function toMessage(m: StoredBotMessage): BotMessage {
  const rows = m.message.reply_markup?.inline_keyboard ?? [];
  return {
    id: m.messageId,
    text: m.message.text ?? '',
    buttons: rows.flat().map((b) => ({ text: b.text, ...(b.callback_data ? { data: b.callback_data } : {}) })),
  };
}

export interface TestUser {
  readonly id: number;
  /** Sends a command (text starting with `/`) or plain text; resolves with the bot's answers joined by blank lines. */
  say(text: string): Promise<string>;
  /**
   * Like {@link say}, with the answers as messages and the id of the message the user sent. `waitForBackground`
   * overrides the bot's option for this message (false: what the person sees before a `/send` run ends).
   */
  send(text: string, opts?: { waitForBackground?: boolean }): Promise<{ replies: BotMessage[]; sentId: number }>;
  /** Presses the button whose label contains `label` (or matches it), on the newest bot message that has one. */
  press(label: string | RegExp): Promise<string>;
  /**
   * Answers the bot's message `toMessageId` as Telegram delivers a reply: a message carrying
   * `reply_to_message` (the bot's message, with its text). `photo`: a photo with `text` as its caption.
   */
  reply(toMessageId: number, text: string, opts?: { photo?: boolean }): Promise<string>;
  /** Sends a callback query with exactly this data, as if pressed under message `messageId`. */
  callback(data: string, messageId?: number): Promise<string>;
  /** The bot's messages in this chat, as they are now (edits applied), oldest first. */
  messages(): BotMessage[];
  last(): BotMessage | undefined;
  /** Whether the user's message is still in the chat (the bot may delete it). */
  hasMessage(sentId: number): boolean;
}

export interface TestBotOptions {
  adminIds?: number[];
  /** Extra environment for loadConfig (SMSRU_BASE_URL …). */
  env?: Record<string, string>;
  /**
   * The delivery service. By default the real one with no worker behind it: enough for every command but
   * `/send`, whose run would wait for a worker; tests of `/send` give one (test/support/delivery-worker.ts).
   */
  delivery?: DeliveryPort;
  /** The wait that gathers join requests before the admins hear of them (a test holds it open). @defaultValue none */
  joinBurst?: () => Promise<unknown>;
  /** The clock of the bot's per-minute limit and /send cooldown (tests of them fix it). @defaultValue Date.now */
  now?: () => number;
  /** Flood limits of the Bot API double (Telegram's by default). */
  limits?: Pick<StrictBotApiOptions, 'overall' | 'perChat'>;
  /**
   * Whether `say`/`send`/`press` also wait for the work handlers left running (the `/send` result edit).
   * Off to see what a person sees before that work ends. @defaultValue true
   */
  waitForBackground?: boolean;
}

export interface TestBot {
  server: TelegramServer;
  /** The strict Bot API double the bot talks to: its refusals, blocked chats, limits. */
  api: StrictBotApi;
  /** Throws, listing them, when the double refused any of the bot's requests since the last call; then forgets them. */
  expectNoRefusals(): void;
  bot: Telegraf<BotContext>;
  /** Work the bot's handlers left running (the `/send` result edits). */
  background: Background;
  config: Config;
  secrets: SecretBox;
  logger: Logger;
  /** Log lines (parsed JSON) the bot wrote. */
  logs: Array<Record<string, unknown>>;
  delivery: DeliveryPort;
  setCommands(): Promise<void>;
  /** A person in their private chat with the bot, or with `chat` in a group (`chat.id` ≠ their id). */
  user(id: number, name: string, username?: string, chat?: { id: number; type: 'group' | 'supergroup' }): TestUser;
  /** Hands every pending update to the bot. */
  pump(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestBot(opts: TestBotOptions = {}): Promise<TestBot> {
  const port = await freePort();
  const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 3600 });
  await server.start();
  const api = await startStrictBotApi(server, opts.limits ?? {});
  const config = loadConfig({
    BOT_TOKEN: TEST_BOT_TOKEN,
    TELEGRAM_API_ROOT: api.apiRoot,
    SECRET_KEY: TEST_SECRET_KEY,
    ADMIN_IDS: (opts.adminIds ?? []).join(','),
    LOG_LEVEL: 'info',
    HTTP_TIMEOUT_MS: '5000',
    // Tests talk faster than people; the limit itself is tested with its own value.
    RATE_LIMIT_PER_MINUTE: '1000',
    ...opts.env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger('info', sink);
  const secrets = new SecretBox(TEST_SECRET_KEY);
  const delivery = opts.delivery ?? createDeliveryService();
  const { bot, setCommands, background } = createBot({
    config,
    logger,
    secrets,
    delivery,
    ...(opts.now ? { now: opts.now } : {}),
    // A join request is announced at once unless the test holds the burst open.
    joinBurst: opts.joinBurst ?? (() => Promise.resolve()),
  });
  const waitForBackground = opts.waitForBackground ?? true;
  const updatesUrl = `${api.apiRoot}/bot${TEST_BOT_TOKEN}/getUpdates`;

  async function pump(): Promise<void> {
    for (let round = 0; round < 10; round++) {
      const res = await fetch(updatesUrl, { method: 'POST' });
      const body = (await res.json()) as { result: Array<Parameters<typeof bot.handleUpdate>[0]> };
      if (!body.result.length) return;
      for (const update of body.result) await bot.handleUpdate(update);
    }
  }

  function chatMessages(chatId: number): StoredBotMessage[] {
    return (server.storage.botMessages as unknown as StoredBotMessage[])
      .filter((m) => String(m.message.chat_id) === String(chatId))
      .sort((a, b) => a.messageId - b.messageId);
  }

  function user(id: number, name: string, username?: string, chat?: { id: number; type: 'group' | 'supergroup' }): TestUser {
    const chatId = chat?.id ?? id;
    const client = server.getClient(TEST_BOT_TOKEN, {
      userId: id,
      chatId,
      firstName: name,
      userName: username ?? '',
      ...(chat ? { type: chat.type, chatTitle: 'Team chat' } : {}),
    });

    /** Runs `act`, delivers the updates, and returns the bot's messages that are new or changed. */
    async function exchange(act: () => Promise<unknown>, wait = waitForBackground): Promise<BotMessage[]> {
      const before = new Map(chatMessages(chatId).map((m) => [m.messageId, JSON.stringify(m.message)]));
      await act();
      await pump();
      if (wait && (await background.drain(60_000)) > 0) throw new Error("the bot's background work did not end in 60 s");
      return chatMessages(chatId)
        .filter((m) => before.get(m.messageId) !== JSON.stringify(m.message))
        .map(toMessage);
    }
    const joined = (list: BotMessage[]) => list.map((m) => m.text).join('\n\n');

    const u: TestUser = {
      id,
      async send(text, sendOpts) {
        let sentId = -1;
        const replies = await exchange(async () => {
          if (text.startsWith('/')) await client.sendCommand(client.makeCommand(text));
          else await client.sendMessage(client.makeMessage(text));
          const mine = server.storage.userMessages.filter((m: { botToken: string }) => m.botToken === TEST_BOT_TOKEN);
          sentId = mine[mine.length - 1]?.messageId ?? -1;
        }, sendOpts?.waitForBackground);
        return { replies, sentId };
      },
      async say(text) {
        return joined((await u.send(text)).replies);
      },
      async reply(toMessageId, text, replyOpts) {
        const original = chatMessages(chatId).find((m) => m.messageId === toMessageId)?.message;
        const bot = { id: Number(TEST_BOT_TOKEN.split(':')[0]), is_bot: true, first_name: 'taskwatch' };
        const reply_to_message = {
          message_id: toMessageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chatId, type: 'private' },
          from: bot,
          ...(original?.text ? { text: original.text } : {}),
        };
        const message = client.makeMessage(text, { reply_to_message }) as unknown as Record<string, unknown>;
        if (replyOpts?.photo) {
          // A photo has a caption, and no text.
          delete message.text;
          Object.assign(message, { photo: [{ file_id: 'photo-1', file_unique_id: 'p1', width: 90, height: 90 }], caption: text });
        }
        return joined(await exchange(() => client.sendMessage(message)));
      },
      async callback(data, messageId) {
        const mid = messageId ?? u.last()?.id ?? 0;
        // As Telegram does, the query carries the message the button is under, with its text and keyboard.
        const under = chatMessages(chatId).find((m) => m.messageId === mid)?.message;
        const message = {
          message_id: mid,
          ...(under?.text ? { text: under.text } : {}),
          ...(under?.reply_markup ? { reply_markup: under.reply_markup } : {}),
        };
        return joined(await exchange(() => client.sendCallback(client.makeCallbackQuery(data, { message }))));
      },
      async press(label) {
        const all = u.messages().reverse();
        for (const m of all) {
          const b = m.buttons.find((x) => (typeof label === 'string' ? x.text.includes(label) : label.test(x.text)));
          if (b?.data) return u.callback(b.data, m.id);
        }
        throw new Error(`no button "${String(label)}" in the chat of ${name}: ${JSON.stringify(all.slice(0, 3))}`);
      },
      messages: () => chatMessages(chatId).map(toMessage),
      last: () => u.messages().at(-1),
      hasMessage: (sentId) => server.storage.userMessages.some((m: { messageId: number }) => m.messageId === sentId),
    };
    return u;
  }

  return {
    server,
    api,
    expectNoRefusals() {
      const refused = api.refusals.splice(0);
      if (refused.length) {
        const list = refused.map((r) => `${r.method} → ${r.status} ${r.description}: ${JSON.stringify(r.params).slice(0, 300)}`);
        throw new Error(`Telegram would refuse ${refused.length} request(s) of the bot:\n${list.join('\n')}`);
      }
    },
    bot,
    background,
    config,
    secrets,
    logger,
    logs,
    delivery,
    setCommands,
    user,
    pump,
    close: async () => {
      await api.close();
      await server.stop();
    },
  };
}

/**
 * Starts a test bot before the tests of a file and stops it after them. Call after `useTestDatabase()`.
 * The returned object is filled in `beforeAll`.
 */
export function useTestBot(opts: TestBotOptions = {}): TestBot {
  const handle = {} as TestBot;
  beforeAll(async () => {
    Object.assign(handle, await startTestBot(opts));
  });
  afterEach(() => {
    handle.expectNoRefusals?.();
  });
  afterAll(async () => {
    await handle.close?.();
  });
  return handle;
}

/** Creates a task with `/newtask` as `who` and returns its number; fails when the bot did not create one. */
export async function newTask(who: TestUser, title: string): Promise<number> {
  const reply = await who.say(`/newtask ${title}`);
  const n = /(?:Задание #(\d+) создано|Task #(\d+) created)/.exec(reply);
  if (!n) throw new Error(`no task number in: ${reply}`);
  return Number(n[1] ?? n[2]);
}
