/**
 * Strangers asking to join (finding 6 of the trust review): new requests are capped per hour for the
 * deployment, and the admins hear of a burst as one message each, sent after the strangers' updates were
 * handled. The test holds the burst open itself (no clock): it opens it when every request is in.
 */
import { PersonModel } from '../../src/db/models/index.js';
import { useTestBot } from '../support/bot-api.js';
import { useTestDatabase } from '../support/db.js';

useTestDatabase();
const ADMIN = 100;
let open: () => void = () => undefined;
let burst = Promise.resolve();
/** Holds the next burst open until {@link open} is called. */
function holdBurst(): void {
  burst = new Promise<void>((r) => (open = r));
}
const tb = useTestBot({ adminIds: [ADMIN], env: { JOIN_REQUESTS_PER_HOUR: '4' }, joinBurst: () => burst });
const boss = () => tb.user(ADMIN, 'Boss', 'boss');
const requests = () =>
  boss()
    .messages()
    .filter((m) => /^(Заявка на доступ|Заявки на доступ)/.test(m.text));

beforeAll(async () => {
  await boss().say('/start');
});

it('tells each admin of a burst of requests in one message, after the strangers were answered', async () => {
  holdBurst();
  const strangers = [tb.user(1, 'Ann', 'ann'), tb.user(2, 'Bob', 'bob'), tb.user(3, 'Cid', 'cid')];
  for (const s of strangers) {
    const { replies } = await s.send('/start', { waitForBackground: false });
    expect(replies.map((r) => r.text)).toEqual(['Заявка отправлена администраторам. Я напишу вам, когда они решат.']);
  }
  // Every stranger has their answer; the admins have heard nothing yet: the burst is still open.
  expect(requests()).toHaveLength(0);
  open();
  expect(await tb.background.drain(30_000)).toBe(0);
  expect(requests().map((m) => m.text)).toEqual(['Заявки на доступ (3):\n• Ann @ann (id 1)\n• Bob @bob (id 2)\n• Cid @cid (id 3)']);
  const message = requests()[0]!;
  expect(message.buttons.map((b) => b.text)).toEqual(['✅ Ann', '❌ Ann', '✅ Bob', '❌ Bob', '✅ Cid', '❌ Cid']);

  // Deciding one keeps the buttons of the others.
  expect(await boss().callback(message.buttons[2]!.data!, message.id)).toContain('Bob принят(а) в команду');
  expect(requests()[0]!.buttons.map((b) => b.text)).toEqual(['✅ Ann', '❌ Ann', '✅ Cid', '❌ Cid']);
  expect((await PersonModel.findOne({ telegramId: 2 }).lean())!.role).toBe('member');
  // A second /start of someone waiting is not a new request: the admins are not told again.
  expect(await tb.user(1, 'Ann', 'ann').say('/start')).toContain('ждёт решения');
  expect(requests()).toHaveLength(1);
});

it('takes at most JOIN_REQUESTS_PER_HOUR new requests an hour; past it a stranger is asked to come back, and nothing is stored', async () => {
  expect(await tb.user(4, 'Dee', 'dee').say('/start')).toContain('Заявка отправлена');
  expect(await tb.user(5, 'Eve', 'eve').say('/start')).toBe(
    'Сейчас слишком много заявок на доступ. Попробуйте через час или попросите у администратора ссылку-приглашение.',
  );
  expect(await PersonModel.countDocuments({ telegramId: 5 })).toBe(0);
  expect(requests().map((m) => m.text)).toContain('Заявка на доступ: Dee @dee (id 4).');
  expect(requests().some((m) => m.text.includes('Eve'))).toBe(false);
});
