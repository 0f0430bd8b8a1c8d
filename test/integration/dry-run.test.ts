/**
 * `/send dry` says what the run will do: over generated set-ups (people with and without addresses, digests
 * over several tasks, retries not yet due, addresses changed after planning), the dry run's lines are
 * exactly the messages the run then sends, to the same addresses.
 */
import { DeliveryModel } from '../../src/db/models/index.js';
import { planPendingChanges } from '../../src/delivery/planning.js';
import { dryRun } from '../../src/delivery/service.js';
import type { Channel } from '../../src/domain/types.js';
import { setEmail } from '../../src/services/contacts.js';
import { clearDatabase, useTestDatabase } from '../support/db.js';
import { edit, makePerson, makeTask, saveWorldSettings, sendNow, startWorld, type World } from '../support/world.js';

useTestDatabase();

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

/** A small seeded generator, so that a failing set-up can be run again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let uniq = 0;

async function generate(seed: number): Promise<void> {
  const rnd = random(seed);
  const pick = <T>(xs: T[]): T[] => xs.filter(() => rnd() < 0.6);
  const author = await makePerson({ name: `Author ${seed}` });
  const people = [];
  for (let i = 0; i < 2 + Math.floor(rnd() * 4); i++) {
    const u = ++uniq;
    people.push(
      await makePerson({
        name: `P${seed}-${i}`,
        ...(rnd() < 0.7 ? { email: `p${u}@example.org` } : {}),
        ...(rnd() < 0.5 ? { phone: `+7912${String(3_000_000 + u).padStart(7, '0')}` } : {}),
      }),
    );
  }
  const tasks = [];
  for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
    const observers = people
      .map((p) => {
        const channels = pick<Channel>(['email', 'sms', 'telegram']).filter((c) =>
          c === 'email' ? p.email : c === 'sms' ? p.phone : true,
        );
        return [p, channels] as [typeof p, Channel[]];
      })
      .filter(([, channels]) => channels.length > 0);
    tasks.push(await makeTask(author, `Generated ${seed}.${k}`, observers));
  }
  for (const n of tasks) {
    await edit(n, author, 'status', 'review');
    if (rnd() < 0.5) await edit(n, author, 'priority', 'high');
  }
  await planPendingChanges();
  // Some deliveries wait for a retry that is not due yet; some people changed their e-mail since planning.
  for (const d of await DeliveryModel.find().lean()) {
    if (rnd() < 0.2) {
      await DeliveryModel.updateOne(
        { _id: d._id },
        { $set: { attempts: 1, heldFor: 'retry', nextAttemptAt: new Date(Date.now() + 3_600_000), lastError: 'try later' } },
      );
    }
  }
  for (const p of people) if (p.email && rnd() < 0.4) await setEmail(p._id, `new${++uniq}@example.org`);
}

/** "channel address" of each message, with phones as digits. */
const key = (channel: string, address: string) => `${channel} ${channel === 'sms' ? address.replace(/\D/g, '') : address}`;

it.each([1, 2, 3, 4, 5])('lists exactly the messages the run then sends (generated set-up %i)', async (seed) => {
  await clearDatabase();
  await saveWorldSettings(world);
  world.sink.reset();
  world.sms.reset();
  world.telegram.storage.botMessages.length = 0;
  await generate(seed);

  const lines = await dryRun({});
  const result = await sendNow(world);

  const sent = [
    ...world.sink.messages.map((m) => key('email', m.to[0]!)),
    ...world.sms.accepted.map((m) => key('sms', m.to)),
    ...world.telegram.storage.botMessages.map((m) => key('telegram', String((m.message as unknown as { chat_id: number }).chat_id))),
  ].sort();
  expect(lines.map((l) => key(l.channel, l.address)).sort()).toEqual(sent);
  expect(result.sent.email + result.sent.sms + result.sent.telegram).toBe(lines.length);
  expect(lines.length).toBeGreaterThan(0);
});
