/**
 * The channels for one's own tasks (`/channels`) as planning uses them, and digest modes with a controllable clock: a person in Vladivostok with `/digest daily 18:00` hears nothing
 * from the runs before 18:00 their time and gets one message per channel after it, with every change of
 * the day grouped by task; a person in `now` mode gets theirs with each run; SMS go in the digest only
 * when the person chose so; changing the mode re-plans what waits; `/send dry` agrees with the run.
 */
import { DateTime } from 'luxon';
import { ChangeModel, DeliveryModel, PersonModel } from '../../src/db/models/index.js';
import { dryRun, queue } from '../../src/delivery/service.js';
import { parseOwnChannels, setDigest, setOwnChannels } from '../../src/services/notify-prefs.js';
import { clearDatabase, useTestDatabase } from '../support/db.js';
import { edit, makePerson, makeTask, saveWorldSettings, sendNow, useWorld } from '../support/world.js';

useTestDatabase();

const world = useWorld();
afterEach(() => {
  expect(world.botApi.refusals).toEqual([]);
});

const VLADIVOSTOK = 'Asia/Vladivostok';
/** A moment of the test day, as the wall clock in Vladivostok reads it. */
const vlad = (hhmm: string) => DateTime.fromISO(`2027-03-10T${hhmm}`, { zone: VLADIVOSTOK }).toJSDate();
const at = (d: Date) => () => d;

/** An edit made at `when` (the clock of the test day): the Change is recorded, then dated. */
async function editAt(when: Date, n: number, actor: { _id: unknown }, field: string, value: string): Promise<void> {
  const { change } = await edit(n, actor, field, value);
  await ChangeModel.updateOne({ taskNumber: n, revision: change.revision }, { $set: { at: when } });
}

const lettersTo = (address: string) => world.sink.messages.filter((m) => m.to.includes(address));
const smsTo = (digits: string) => world.sms.accepted.filter((m) => m.to === digits);
const count = (text: string, part: string) => text.split(part).length - 1;

async function setUp(sms: 'with sms' | 'without sms') {
  const anna = await makePerson({ name: 'Anna', email: 'anna@example.org' });
  const vera = await makePerson({ name: 'Vera', email: 'vera@example.org', phone: '+79120000021', timezone: VLADIVOSTOK });
  const boris = await makePerson({ name: 'Boris', email: 'boris@example.org' });
  await setDigest(vera._id, sms === 'with sms' ? ['daily', '18:00', 'sms'] : ['daily', '18:00'], vlad('08:00'));
  const a = await makeTask(anna, 'Quarterly report', [
    [vera, ['email', 'sms']],
    [boris, ['email']],
  ]);
  const b = await makeTask(anna, 'Office move', [
    [vera, ['email', 'sms']],
    [boris, ['email']],
  ]);
  return { anna, vera, boris, a, b };
}

describe('a daily digest at 18:00 in Vladivostok', () => {
  it('sends nothing to the daily person before 18:00 their time, then one letter with the whole day grouped by task; the now person gets theirs with each run', async () => {
    const { anna, a, b } = await setUp('without sms');

    await editAt(vlad('09:00'), a, anna, 'status', 'in_progress');
    await editAt(vlad('12:00'), b, anna, 'priority', 'high');
    const noon = await sendNow(world, { clock: at(vlad('13:00')) });
    expect(noon.digest).toBe(1);
    // Two changes wait for her one letter.
    expect((await queue()).digest).toBe(2);
    expect(lettersTo('vera@example.org')).toHaveLength(0);
    expect(lettersTo('boris@example.org')).toHaveLength(1);

    await editAt(vlad('15:00'), a, anna, 'title', 'Quarterly report, final');
    expect((await dryRun({}, vlad('17:00'))).map((l) => l.personName)).toEqual(['Boris']);
    await sendNow(world, { clock: at(vlad('17:00')) });
    expect(lettersTo('vera@example.org')).toHaveLength(0);
    expect(lettersTo('boris@example.org')).toHaveLength(2);

    expect((await dryRun({}, vlad('18:05'))).map((l) => `${l.personName} ${l.channel}`)).toEqual(['Vera email']);
    const evening = await sendNow(world, { clock: at(vlad('18:05')) });
    expect(evening.sent).toEqual({ email: 1, sms: 0, telegram: 0 });
    expect(evening.digest ?? 0).toBe(0);
    const letters = lettersTo('vera@example.org');
    expect(letters).toHaveLength(1);
    const text = letters[0]!.text ?? '';
    // One header per task, each change once.
    expect(count(text, `Задание #${a} «`)).toBe(1);
    expect(count(text, `Задание #${b} «`)).toBe(1);
    expect(text).toContain('Quarterly report, final');
    expect(text).toMatch(/статус: новое → в работе/);
    expect(text).toMatch(/приоритет: обычный → высокий/);
    // Her zone: the changes read 09:00, 12:00 and 15:00.
    for (const hhmm of ['09:00', '12:00', '15:00']) expect(text).toContain(`10.03.2027 ${hhmm}`);
    expect(lettersTo('boris@example.org')).toHaveLength(2);

    // Without `sms`: no SMS at all, before or after the digest.
    expect(world.sms.accepted).toHaveLength(0);
    expect(await DeliveryModel.countDocuments({ channel: 'sms' })).toBe(0);

    // The next run the same evening has nothing more for her.
    const later = await sendNow(world, { clock: at(vlad('19:00')) });
    expect(later.sent).toEqual({ email: 0, sms: 0, telegram: 0 });
  });

  it('with `sms`, sends her one SMS a day, in the digest', async () => {
    const { anna, a, b } = await setUp('with sms');
    await editAt(vlad('09:00'), a, anna, 'status', 'in_progress');
    await editAt(vlad('12:00'), b, anna, 'priority', 'high');
    await editAt(vlad('15:00'), a, anna, 'title', 'Quarterly report, final');

    await sendNow(world, { clock: at(vlad('17:59')) });
    expect(smsTo('79120000021')).toHaveLength(0);
    expect(lettersTo('vera@example.org')).toHaveLength(0);

    const evening = await sendNow(world, { clock: at(vlad('18:00')) });
    expect(evening.sent).toEqual({ email: 1, sms: 1, telegram: 0 });
    const [sms] = smsTo('79120000021');
    expect(sms?.msg).toContain(`#${a}`);
    expect(sms?.msg).toContain(`#${b}`);
    expect(lettersTo('vera@example.org')).toHaveLength(1);
  });

  it('a change after 18:00 waits for the next day', async () => {
    const { anna, a } = await setUp('without sms');
    await editAt(vlad('18:30'), a, anna, 'status', 'in_progress');
    await sendNow(world, { clock: at(vlad('20:00')) });
    expect(lettersTo('vera@example.org')).toHaveLength(0);
    const nextDay = DateTime.fromJSDate(vlad('18:00'), { zone: VLADIVOSTOK }).plus({ days: 1 }).toJSDate();
    await sendNow(world, { clock: at(new Date(nextDay.getTime() - 60_000)) });
    expect(lettersTo('vera@example.org')).toHaveLength(0);
    await sendNow(world, { clock: at(nextDay) });
    expect(lettersTo('vera@example.org')).toHaveLength(1);
  });

  it('/digest now makes what waits for the digest due at once; back to daily holds it again and drops the SMS', async () => {
    const { anna, vera, a } = await setUp('with sms');
    await editAt(vlad('09:00'), a, anna, 'status', 'in_progress');
    await sendNow(world, { clock: at(vlad('10:00')) });
    expect(lettersTo('vera@example.org')).toHaveLength(0);
    expect(await DeliveryModel.countDocuments({ person: vera._id, status: 'pending', heldFor: 'digest' })).toBe(2);

    await setDigest(vera._id, ['daily', '18:00'], vlad('10:30'));
    expect(await DeliveryModel.countDocuments({ person: vera._id, channel: 'sms', status: 'skipped' })).toBe(1);
    await sendNow(world, { clock: at(vlad('11:00')) });
    expect(lettersTo('vera@example.org')).toHaveLength(0);

    await setDigest(vera._id, ['now'], vlad('11:00'));
    const now = await sendNow(world, { clock: at(vlad('11:01')) });
    expect(now.sent).toEqual({ email: 1, sms: 0, telegram: 0 });
    expect(lettersTo('vera@example.org')).toHaveLength(1);
    expect(world.sms.accepted).toHaveLength(0);
  });
});

describe('the channels for one’s own tasks (author, assignee)', () => {
  /** Anna authors a task assigned to Boris (who has no address but Telegram, on e-mail by default: nothing); Boris changes it: what reaches Anna? */
  async function authorHears(channels: string[] | 'untouched' | 'field absent') {
    const anna = await makePerson({ name: 'Anna', email: 'anna@example.org', phone: '+79120000031' });
    const boris = await makePerson({ name: 'Boris' });
    if (channels === 'field absent') {
      // Saved before the field existed: planning must keep today's rule (e-mail).
      await PersonModel.collection.updateOne({ _id: anna._id }, { $unset: { participantChannels: '' } });
    } else if (channels !== 'untouched') {
      await setOwnChannels(anna._id, parseOwnChannels(channels));
    }
    const n = await makeTask(anna, 'Budget');
    await edit(n, anna, 'assignee', '@boris');
    await edit(n, boris, 'status', 'in_progress');
    const result = await sendNow(world);
    return { result, anna };
  }

  it('keeps e-mail for people who never chose, and for people saved before the field existed', async () => {
    expect((await authorHears('untouched')).result.sent).toEqual({ email: 1, sms: 0, telegram: 0 });
    expect(lettersTo('anna@example.org')).toHaveLength(1);
    await clearDatabase();
    await saveWorldSettings(world);
    world.sink.reset();
    expect((await authorHears('field absent')).result.sent).toEqual({ email: 1, sms: 0, telegram: 0 });
    expect(lettersTo('anna@example.org')).toHaveLength(1);
  });

  it('uses the channels chosen with /channels', async () => {
    const { result, anna } = await authorHears(['sms', 'telegram']);
    expect(result.sent).toEqual({ email: 0, sms: 1, telegram: 1 });
    expect(lettersTo('anna@example.org')).toHaveLength(0);
    expect(smsTo('79120000031')).toHaveLength(1);
    expect(world.telegramTo(anna.telegramId)).toHaveLength(1);
  });

  it('sends nothing for one’s own tasks after /channels off', async () => {
    const { result } = await authorHears(['off']);
    expect(result.sent).toEqual({ email: 0, sms: 0, telegram: 0 });
    expect(await DeliveryModel.countDocuments()).toBe(0);
  });
});
