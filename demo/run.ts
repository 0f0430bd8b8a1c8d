/**
 * `npm run demo`: the whole product with no accounts at all. It starts the database (MONGODB_URI, or an
 * embedded MongoDB), a Telegram Bot API stand-in, an SMTP server and an sms.ru stand-in on loopback (the same
 * doubles the tests use), and taskwatch itself as a real process (`dist/src/main.js`), then plays a short story in
 * the chat and prints, as they happen, the chat, the letters and the SMS. It ends by itself and leaves nothing
 * behind; `npm run demo -- --keep` keeps it running and says how to talk to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import mongoose from 'mongoose';
import { TelegramServer } from '../test/support/telegram-server.js';
import { startStrictBotApi } from '../test/support/strict-bot-api.js';
import { startSmtpSink } from '../test/support/smtp-sink.js';
import { startSmsRuDouble } from '../test/support/sms-doubles.js';
import { freePort } from '../test/support/ports.js';
import { explainStartupError } from '../src/startup-errors.js';

const KEEP = process.argv.includes('--keep');
const TOKEN = '123456789:AAdemo-token-for-the-loopback-bot-api';
const SECRET_KEY = randomBytes(32).toString('hex');
const API_ID = 'demo-api-id';
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/main.js');

const people = {
  admin: { id: 1001, first_name: 'Ольга', username: 'olga' },
  ivan: { id: 1002, first_name: 'Иван', username: 'ivan' },
  maria: { id: 1003, first_name: 'Maria', username: 'maria' },
  stranger: { id: 1009, first_name: 'Гость', username: 'guest' },
} as const;
/** REGISTRATION of the demo: the environment's, else invite (the story shows an invite link in every mode). */
const REGISTRATION = process.env.REGISTRATION ?? 'invite';
type Who = keyof typeof people;
const nameOf = (chatId: string): string => Object.values(people).find((p) => String(p.id) === chatId)?.first_name ?? chatId;

interface StoredBotMessage {
  messageId: number;
  message: { chat_id: unknown; text?: string; reply_markup?: unknown };
}
/** The inline buttons under a bot message. */
function buttonsOf(m: StoredBotMessage): Array<{ text: string; data?: string }> {
  const markup = (typeof m.message.reply_markup === 'string' ? JSON.parse(m.message.reply_markup) : m.message.reply_markup) as
    { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => ({ text: b.text, ...(b.callback_data ? { data: b.callback_data } : {}) }));
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const indent = (text: string, by = '         ') =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => by + l)
    .join('\n');

/** The database: MONGODB_URI with a database of its own (dropped at the end), or an embedded MongoDB in a temp folder. */
async function startDatabase(): Promise<{ uri: string; close(): Promise<void> }> {
  const dbName = `taskwatch-demo-${randomBytes(4).toString('hex')}`;
  const given = process.env.MONGODB_URI;
  if (given) {
    const u = new URL(given);
    u.pathname = `/${dbName}`;
    const uri = u.toString();
    return {
      uri,
      close: async () => {
        const conn = await mongoose.createConnection(uri).asPromise();
        await conn.dropDatabase();
        await conn.close();
      },
    };
  }
  out('• MONGODB_URI is not set: starting an embedded MongoDB (the first time it downloads about 100 MB)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'taskwatch-demo-'));
  const { MongoMemoryServer, MongoBinary } = await import('mongodb-memory-server-core');
  try {
    // The binary first, on its own: a failed download is then one explained line (MongoMemoryServer.create
    // would print its own warning with a stack trace first).
    await MongoBinary.getPath();
    const server = await MongoMemoryServer.create({ instance: { dbPath: dir, dbName } });
    return {
      uri: server.getUri(dbName),
      close: async () => {
        await server.stop({ doCleanup: true, force: true });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function demo(): Promise<void> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  let child: ChildProcess | undefined;
  try {
    const db = await startDatabase();
    cleanups.push(() => db.close());

    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const sms = await startSmsRuDouble({ apiId: API_ID, senders: ['TaskWatch'], balance: 100 });
    cleanups.push(() => sms.close());
    const telegram = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 3600 });
    await telegram.start();
    cleanups.push(() => telegram.stop());
    const api = await startStrictBotApi(telegram, { knownChat: () => true });
    cleanups.push(() => api.close());
    out(`• loopback stand-ins: Bot API ${api.apiRoot}, SMTP 127.0.0.1:${sink.port}, sms.ru ${sms.baseUrl}`);

    // taskwatch itself, as `npm start` runs it (bot and worker in one process).
    const httpPort = await freePort();
    child = spawn(process.execPath, [MAIN], {
      // The caller's environment (PATH, NODE_OPTIONS…), with everything taskwatch reads set for the demo.
      env: {
        ...process.env,
        BOT_TOKEN: TOKEN,
        ADMIN_IDS: String(people.admin.id),
        REGISTRATION,
        MONGODB_URI: db.uri,
        SECRET_KEY,
        TELEGRAM_API_ROOT: api.apiRoot,
        SMSRU_BASE_URL: sms.baseUrl,
        HTTP_PORT: String(httpPort),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        RUN_POLL_MS: '200',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const proc = child;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await Promise.race([exited, sleep(15_000)]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
    });
    out(`• taskwatch started (pid ${proc.pid}, health on http://127.0.0.1:${httpPort}/healthz); REGISTRATION=${REGISTRATION}`);
    out('');

    // What the bot says, as it says it (edits shown again).
    const shown = new Map<number, string>();
    const showChat = () => {
      for (const m of telegram.storage.botMessages as StoredBotMessage[]) {
        const text = m.message.text ?? '';
        const buttons = buttonsOf(m)
          .map((b) => `[ ${b.text} ]`)
          .join(' ');
        const seen = `${text}\n${buttons}`;
        if (shown.get(m.messageId) === seen) continue;
        const edited = shown.has(m.messageId);
        shown.set(m.messageId, seen);
        const chatId = typeof m.message.chat_id === 'number' || typeof m.message.chat_id === 'string' ? String(m.message.chat_id) : '';
        out(`[chat] bot → ${nameOf(chatId)}${edited ? ' (edited)' : ''}:\n${indent(text)}${buttons ? `\n${indent(buttons)}` : ''}`);
      }
    };
    let mailsShown = 0;
    let smsShown = 0;
    const showDeliveries = () => {
      for (const m of sink.messages.slice(mailsShown)) {
        out(`[mail] to ${m.to.join(', ')} — Subject: ${m.subject ?? ''}\n${indent(m.text ?? '')}`);
      }
      mailsShown = sink.messages.length;
      for (const s of sms.accepted.slice(smsShown)) out(`[sms]  to +${s.to} from ${s.from ?? '(account number)'}:\n${indent(s.msg)}`);
      smsShown = sms.accepted.length;
    };
    const ticker = setInterval(() => {
      showChat();
      showDeliveries();
    }, 100);
    cleanups.push(() => Promise.resolve(clearInterval(ticker)));

    const clients = Object.fromEntries(
      Object.entries(people).map(([k, p]) => [
        k,
        telegram.getClient(TOKEN, { userId: p.id, chatId: p.id, firstName: p.first_name, userName: p.username }),
      ]),
    ) as Record<Who, ReturnType<TelegramServer['getClient']>>;
    const botMessagesTo = (who: Who) =>
      (telegram.storage.botMessages as Array<{ message: { chat_id: unknown } }>).filter(
        (m) => String(m.message.chat_id) === String(people[who].id),
      ).length;

    /** Says `text` as `who` and waits until the bot has answered (or 20 s). */
    const say = async (who: Who, text: string, answers = 1): Promise<void> => {
      const before = botMessagesTo(who);
      out(`[chat] ${people[who].first_name} → ${text}`);
      const client = clients[who];
      if (text.startsWith('/')) await client.sendCommand(client.makeCommand(text));
      else await client.sendMessage(client.makeMessage(text));
      const deadline = Date.now() + 20_000;
      while (botMessagesTo(who) < before + answers && Date.now() < deadline) await sleep(50);
      await sleep(150);
      showChat();
    };
    /** Presses, as `who`, the newest button of their chat whose label contains `label`. */
    const press = async (who: Who, label: string): Promise<boolean> => {
      const mine = (telegram.storage.botMessages as StoredBotMessage[]).filter((m) => String(m.message.chat_id) === String(people[who].id));
      for (const m of mine.reverse()) {
        const b = buttonsOf(m).find((x) => x.text.includes(label) && x.data);
        if (!b) continue;
        out(`[chat] ${people[who].first_name} presses [ ${b.text} ]`);
        const client = clients[who];
        await client.sendCallback(client.makeCallbackQuery(b.data!, { message: { message_id: m.messageId } }));
        await sleep(500);
        showChat();
        return true;
      }
      return false;
    };
    /** The invite code in the newest message of the admin's chat that has one. */
    const inviteCode = (): string => {
      const mine = (telegram.storage.botMessages as StoredBotMessage[]).filter(
        (m) => String(m.message.chat_id) === String(people.admin.id),
      );
      for (const m of mine.reverse()) {
        const code = /start=([A-Za-z0-9_-]+)/.exec(m.message.text ?? '')?.[1];
        if (code) return code;
      }
      throw new Error('the bot sent no invite link');
    };
    const waitFor = async (what: string, check: () => boolean, ms = 60_000) => {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`the demo waited ${ms / 1000} s for ${what}`);
        await sleep(100);
      }
    };

    out('── An admin sets up the mail server and the SMS gateway ──');
    await say('admin', '/start');
    await say('admin', `/smtp smtp://127.0.0.1:${sink.port} "taskwatch <taskwatch@example.org>"`);
    await say('admin', `/sms smsru api_id=${API_ID} sender=TaskWatch`, 2);
    out('');
    out('── The admin invites two people; they join with the link, give their contacts and watch a task ──');
    await say('admin', '/invite 2');
    const code = inviteCode();
    await say('ivan', `/start ${code}`);
    // A member's own address counts once they send back the code it received (the letter, the SMS).
    const lastCode = (text: string | undefined) => /(\d{6})/.exec(text ?? '')?.[1] ?? '000000';
    await say('ivan', '/email ivan@example.org');
    await say('ivan', lastCode(sink.messages.at(-1)?.subject));
    await say('ivan', '/phone +7 916 123-45-67');
    await say('ivan', lastCode(sms.accepted.at(-1)?.msg));
    await say('maria', `/start ${code}`);
    await say('maria', '/lang en');
    await say('maria', '/email maria@example.org');
    await say('maria', lastCode(sink.messages.at(-1)?.subject));
    const codeLetters = sink.messages.length;
    const codeSms = sms.accepted.length;
    await say('admin', '/newtask Подготовить квартальный отчёт');
    await say('ivan', '/watch 1 email sms telegram');
    await say('maria', '/watch 1 email telegram');
    out('');
    out('── Someone changes the task, and /send pushes the notifications out ──');
    await say('admin', '/edit 1 status в работе');
    await say('admin', '/edit 1 due 25.12.2026 18:00');
    await say('admin', '/comment 1 Цифры за ноябрь уже в таблице');
    await say('admin', '/send');
    await waitFor('the letters and the SMS', () => sink.messages.length >= codeLetters + 2 && sms.accepted.length >= codeSms + 1);
    await waitFor(
      "/send's result",
      () => [...shown.values()].some((t) => /^(Отправлено|Sent)/m.test(t) || /отправлен/i.test(t)),
      30_000,
    ).catch(() => undefined);
    await sleep(500);
    showChat();
    showDeliveries();
    out('');
    out(
      `Done: ${sink.messages.length - codeLetters} letters, ${sms.accepted.length - codeSms} SMS (and ${codeLetters} letters, ${codeSms} SMS with ` +
        `confirmation codes), ${telegram.storage.botMessages.length} bot messages in the chat.`,
    );

    if (KEEP) {
      const talk = await startTalk({ say, press, showChat });
      cleanups.push(() => talk.close());
      out('');
      out('Still running (--keep). Talk to the bot as any of these people (both sides of the chat show here):');
      for (const [role, who] of [
        ['admin', 'admin'],
        ['member', 'ivan'],
        ['stranger', 'stranger'],
      ] as const) {
        out(`  ${role.padEnd(8)} (${people[who].first_name}): curl -s ${talk.url}/as/${who} -d '/me'`);
      }
      out(`  a button:  curl -s ${talk.url}/press/ivan -d '📋'   (the newest button of that chat whose label contains the text)`);
      out('New letters, SMS and bot messages are printed here as they come. Ctrl+C stops everything and removes the demo database.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    }
  } finally {
    await cleanup();
  }
}

/**
 * `--keep`: a small HTTP endpoint on loopback to talk to the bot as one of the demo's people, so nobody has
 * to write Bot API updates by hand: `POST /as/<who>` with the text, `POST /press/<who>` with a button label.
 */
async function startTalk(chat: {
  say: (who: Who, text: string) => Promise<void>;
  press: (who: Who, label: string) => Promise<boolean>;
  showChat: () => void;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const m = /^\/(as|press)\/(\w+)$/.exec(req.url ?? '');
      const who = m?.[2] as Who | undefined;
      const answer = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`${text}\n`);
      };
      if (req.method !== 'POST' || !m || !who || !(who in people) || !body.trim()) {
        return answer(400, `POST /as/<who> or /press/<who> with a text; who: ${Object.keys(people).join(', ')}`);
      }
      const act = m[1] === 'as' ? chat.say(who, body.trim()).then(() => true) : chat.press(who, body.trim());
      act.then(
        (ok) => answer(ok ? 200 : 404, ok ? 'ok (the chat is printed in the demo window)' : `no button with "${body.trim()}" in that chat`),
        (err: unknown) => answer(500, (err as Error).message),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

try {
  await demo();
  process.exit(0);
} catch (err) {
  const line = explainStartupError(err, {
    mongoUri: process.env.MONGODB_URI,
    noInternetHint:
      'Without internet, run a MongoDB server (or FerretDB) yourself and start the demo with MONGODB_URI=mongodb://127.0.0.1:27017.',
  });
  process.stderr.write(`taskwatch demo: ${line ?? (err as Error).message}\n`);
  // The details behind the line, for those who ask.
  if (process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
