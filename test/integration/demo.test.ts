/**
 * `npm run demo` (dist/demo/run.js, built by `npm test`) as a newcomer runs it: the whole product on loopback
 * stand-ins, ending by itself, printing the chat, the letters and the SMS it promises, leaving no database behind.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import mongoose from 'mongoose';
import { testMongoUri } from '../support/db.js';
import { guardedEnv } from '../support/guard-env.js';

it('plays the story and prints the letters, the SMS and the chat; leaves nothing behind', async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [path.resolve('dist/demo/run.js')], {
      env: { PATH: process.env.PATH ?? '', MONGODB_URI: testMongoUri(), ...guardedEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (c) => resolve({ code: c, output }));
  });
  expect(output).not.toMatch(/taskwatch demo: /); // no failure line
  expect(code).toBe(0);

  // The chat, as it happened: the admin's set-up, the secret message deleted, the people's answers.
  expect(output).toContain('[chat] Ольга → /smtp smtp://127.0.0.1:');
  expect(output).toMatch(/\[chat\] bot → Ольга:\n\s+Почтовый сервер сохранён/);
  expect(output).toMatch(/\[chat\] bot → Ольга:\n\s+Сообщение с паролем \(ключом\) я удалил из чата/);
  // People join with the admin's invite link (the demo's REGISTRATION is invite unless the environment says).
  expect(output).toContain('REGISTRATION=invite');
  expect(output).toMatch(/\[chat\] Иван → \/start [A-Za-z0-9_-]{32}\n\[chat\] bot → Иван:\n\s+Добро пожаловать в команду!/);
  // Buttons show under the messages that have them.
  expect(output).toMatch(/\[ 📋 #1 \] \[ 🔕 #1 \]/);
  expect(output).toMatch(/\[chat\] bot → Иван:\n\s+Вы наблюдаете за заданием #1 «Подготовить квартальный отчёт»: e-mail, SMS, Telegram/);
  // The letters (subject and text), in each person's language.
  expect(output).toMatch(/\[mail\] to ivan@example\.org — Subject: .*#1.*\n[\s\S]*Подготовить квартальный отчёт[\s\S]*Цифры за ноябрь/);
  expect(output).toMatch(/\[mail\] to maria@example\.org — Subject: Task #1.*\n[\s\S]*status: new → in progress/);
  // The SMS, from the approved sender, and the Telegram notifications.
  expect(output).toMatch(/\[sms\] {2}to \+79161234567 from TaskWatch:\n\s+#1 .*Подготовить квартальный отчёт/);
  expect(output).toMatch(/\[chat\] bot → Maria:\n[\s\S]*status: new → in progress/);
  // /send's answer, edited with the result.
  expect(output).toMatch(/\[chat\] bot → Ольга \(edited\):\n\s+Готово\. Отправлено сообщений: e-mail — 2, SMS — 1, Telegram — 2/);
  expect(output).toMatch(/^Done: 2 letters, 1 SMS \(and 2 letters, 1 SMS with confirmation codes\), \d+ bot messages in the chat\.$/m);

  // Nothing left behind: its database is gone.
  const conn = await mongoose.createConnection(testMongoUri()).asPromise();
  try {
    const { databases } = await conn.db!.admin().listDatabases();
    expect(databases.map((d) => d.name).filter((n) => n.startsWith('taskwatch-demo-'))).toEqual([]);
  } finally {
    await conn.close();
  }
}, 120_000);
