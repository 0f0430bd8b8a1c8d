/**
 * Answering a letter (issue 23): a real notification letter (dispatch into the loopback SMTP sink) carries
 * `Reply-To: reply+<token>@REPLY_DOMAIN`, and a real SMTP client (nodemailer) sends answers to that
 * address into the reply intake on loopback: with quoted text, HTML only, from machines (auto-reply,
 * bounce), from someone else, with a forged token, empty, too long, about a task its writer may no longer see.
 */
import { Writable } from 'node:stream';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { ChangeModel, TaskModel } from '../../src/db/models/index.js';
import { createLogger } from '../../src/logger.js';
import { startReplyIntake, type ReplyIntake } from '../../src/http/reply-intake.js';
import { unwatch } from '../../src/services/observers.js';
import { useTestDatabase } from '../support/db.js';
import { edit, makePerson, makeTask, sendNow, useWorld } from '../support/world.js';

useTestDatabase();
const DOMAIN = 'reply.example.org';
const world = useWorld({ env: { REPLY_DOMAIN: DOMAIN } });
const logs: Array<Record<string, unknown>> = [];
let intake: ReplyIntake;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  intake = await startReplyIntake({
    host: '127.0.0.1',
    port: 0,
    domain: DOMAIN,
    secrets: world.secrets,
    logger: createLogger('info', sink),
    timeoutMs: 2000,
  });
});
afterAll(async () => {
  await intake.close();
});

/** Sends one letter into the intake as a mail server would; resolves with the SMTP answer or rejects with the refusal. */
async function deliver(mail: SendMailOptions & { envelope?: { from: string; to: string } }): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: intake.port, secure: false, ignoreTLS: true });
  try {
    return (await transport.sendMail(mail)).response;
  } finally {
    transport.close();
  }
}

/** Ann and Bob watch a task by e-mail; it changes; Ann's notification letter. */
async function notified(title: string) {
  const boss = await makePerson({ name: 'Boss', admin: true });
  const ann = await makePerson({ name: 'Ann', email: 'ann@example.org' });
  const bob = await makePerson({ name: 'Bob', email: 'bob@example.org' });
  const n = await makeTask(boss, title, [
    [ann, ['email']],
    [bob, ['email']],
  ]);
  await edit(n, boss, 'status', 'in_progress');
  await sendNow(world, { taskNumber: n });
  const letter = world.sink.messages.find((m) => m.to.includes('ann@example.org'))!;
  return { n, ann, bob, letter, replyTo: letter.headers['reply-to']! };
}

async function comments(n: number): Promise<string[]> {
  const list = await ChangeModel.find({ taskNumber: n, 'fields.field': 'comment' }).sort({ revision: 1 }).lean();
  return list.map((c) => String(c.fields[0]?.to));
}

/** The reasons the intake logged for replies it did not add, since `from`. */
const refusals = (from: number) => logs.slice(from).flatMap((l) => (l.msg === 'an e-mail reply was not added' ? [String(l.reason)] : []));

it('a letter about one task carries a signed Reply-To; an answer with the original quoted becomes the comment, and the others hear of it', async () => {
  const { n, letter, replyTo } = await notified('Quarterly report');
  expect(replyTo).toMatch(new RegExp(`^reply\\+[0-9a-f]{56}@${DOMAIN.replace(/\./g, '\\.')}$`));
  expect(world.sink.messages.find((m) => m.to.includes('bob@example.org'))!.headers['reply-to']).not.toBe(replyTo);

  const text = [
    'Numbers are in, see the folder.',
    '',
    '-- ',
    'Ann, accounting',
    '',
    `On Mon, 7 Dec 2026 at 10:00, taskwatch <tw@example.org> wrote:`,
    ...(letter.text ?? '').split('\n').map((l) => `> ${l}`),
  ].join('\n');
  const answer = await deliver({
    from: 'Ann <ann@example.org>',
    to: replyTo,
    subject: `Re: ${letter.subject}`,
    text,
    inReplyTo: letter.messageId,
  });
  expect(answer).toMatch(/^250/);
  expect(await comments(n)).toEqual(['Numbers are in, see the folder.']);

  const before = world.sink.messages.length;
  await sendNow(world, { taskNumber: n });
  const news = world.sink.messages.slice(before);
  expect(news.map((m) => m.to.join(','))).toEqual(['bob@example.org']);
  expect(news[0]!.text).toContain('Numbers are in, see the folder.');
  expect(news[0]!.text).toContain('Ann');
});

it('an HTML-only answer from a Russian mail client becomes text, without the quoted letter', async () => {
  const { n, replyTo } = await notified('HTML');
  // As Gmail in Russian writes it: the answer, then "<date>, <name> <address>:" and the original in a blockquote.
  const html =
    '<div dir="ltr">Готово, <b>отправил</b> в бухгалтерию.</div><br><div class="gmail_quote">' +
    '<div class="gmail_attr">пн, 7 дек. 2026 г. в 10:00, taskwatch &lt;<a href="mailto:tw@example.org">tw@example.org</a>&gt;:<br></div>' +
    '<blockquote class="gmail_quote"><p>Задание #1 «HTML»</p><p>Изменения: …</p></blockquote></div>';
  await deliver({ from: 'ann@example.org', to: replyTo, subject: 'Re: #1', html });
  expect(await comments(n)).toEqual(['Готово, отправил в бухгалтерию.']);
});

it('auto-replies and bounces never become comments, and get no letter back', async () => {
  const { n, replyTo } = await notified('Machines');
  const from = logs.length;
  const letters = world.sink.messages.length;
  await deliver({
    from: 'ann@example.org',
    to: replyTo,
    subject: 'Out of office',
    text: 'Back on Monday',
    headers: { 'Auto-Submitted': 'auto-replied' },
  });
  await deliver({ from: 'ann@example.org', to: replyTo, subject: 'Автоответ: Re: #1', text: 'Я в отпуске' });
  await deliver({
    from: 'MAILER-DAEMON@mx.example.org',
    to: replyTo,
    envelope: { from: '', to: replyTo },
    subject: 'Undelivered Mail Returned to Sender',
    text: 'This is the mail system. I am sorry to inform you…',
  });
  expect(await comments(n)).toEqual([]);
  expect(refusals(from)).toEqual([
    "a machine's letter (auto-reply), not an answer",
    "a machine's letter (auto-reply), not an answer",
    "a machine's letter (bounce), not an answer",
  ]);
  expect(world.sink.messages.length).toBe(letters);
});

it('a forged token is refused in the SMTP dialogue; another sender, or a failed SPF/DKIM, is dropped without a letter back', async () => {
  const { n, replyTo } = await notified('Forgery');
  const forged = replyTo.replace(/[0-9a-f](?=@)/, (c) => (c === '0' ? '1' : '0'));
  await expect(deliver({ from: 'ann@example.org', to: forged, text: 'hello' })).rejects.toMatchObject({ responseCode: 550 });
  await expect(deliver({ from: 'ann@example.org', to: `someone@${DOMAIN}`, text: 'hello' })).rejects.toMatchObject({ responseCode: 550 });

  const from = logs.length;
  const letters = world.sink.messages.length;
  await deliver({ from: 'mallory@example.net', to: replyTo, text: 'Close this task' });
  await deliver({
    from: 'ann@example.org',
    to: replyTo,
    text: 'Close it',
    headers: { 'Authentication-Results': 'mx.example.org; spf=fail smtp.mailfrom=example.org; dkim=none' },
  });
  expect(await comments(n)).toEqual([]);
  expect(refusals(from)).toEqual([
    'the sender is not the address the letter went to (not answered: it may be forged)',
    'the receiving server found spf=fail (not answered: it may be forged)',
  ]);
  expect(world.sink.messages.length).toBe(letters);
  // The token never reaches the log.
  expect(JSON.stringify(logs)).not.toContain(replyTo.slice(6, 62));
});

it('an empty answer, one of 100 KB, and one about a task its writer may no longer see: a short letter back says why, nothing is added', async () => {
  const { n, ann, replyTo } = await notified('Refusals');
  const letters = world.sink.messages.length;
  await deliver({ from: 'ann@example.org', to: replyTo, text: '> only the quoted original\n> nothing else' });
  await deliver({ from: 'ann@example.org', to: replyTo, text: 'word '.repeat(20_000) });
  await unwatch(n, ann._id, ann._id);
  await TaskModel.updateOne({ number: n }, { $set: { private: true } });
  await deliver({ from: 'ann@example.org', to: replyTo, text: 'Still here?' });
  expect(await comments(n)).toEqual([]);

  // Each letter back went out before the intake answered 250.
  const back = world.sink.messages.slice(letters);
  expect(back.map((m) => [m.to.join(','), m.subject])).toEqual(
    Array(3).fill(['ann@example.org', `Комментарий к заданию #${n} не добавлен`]),
  );
  expect(back[0]!.text).toContain('Текст пустой');
  expect(back[1]!.text).toContain('Текст длиннее 2000 символов (99999)');
  expect(back[2]!.text).toContain(`Задания #${n} нет`);
  expect(back[2]!.text).not.toContain('Refusals');
});
