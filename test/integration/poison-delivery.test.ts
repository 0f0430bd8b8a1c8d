/**
 * A delivery that can never go out as it is (its task deleted, its person without that address any more,
 * its change breaking the template) fails alone with its reason; the rest of the batch goes out.
 */
import { ChangeModel, DeliveryModel, PersonModel, TaskModel } from '../../src/db/models/index.js';
import { planPendingChanges } from '../../src/delivery/planning.js';
import { useTestDatabase } from '../support/db.js';
import { edit, makePerson, makeTask, sendNow, useWorld } from '../support/world.js';

useTestDatabase();
const world = useWorld();

it('each poison delivery fails with its own reason and everyone else gets their letter', async () => {
  const author = await makePerson({ name: 'Anna' });
  const vera = await makePerson({ name: 'Vera', email: 'vera@example.org' });
  const olga = await makePerson({ name: 'Olga', email: 'olga@example.org' });
  const pavel = await makePerson({ name: 'Pavel', email: 'pavel@example.org' });
  const ivan = await makePerson({ name: 'Ivan', email: 'ivan@example.org' });
  const gone = await makeTask(author, 'Удалённое', [[vera, ['email']]]);
  const report = await makeTask(author, 'Отчёт', [
    [olga, ['email']],
    [pavel, ['email']],
    [ivan, ['email']],
  ]);
  const broken = await makeTask(author, 'Сломанное', [[ivan, ['email']]]);
  await edit(gone, author, 'status', 'done');
  await edit(report, author, 'status', 'done');
  await edit(broken, author, 'status', 'done');
  await planPendingChanges();

  // After planning: the task is deleted, Olga removes her e-mail, and the change of #broken is corrupt.
  await TaskModel.deleteOne({ number: gone });
  await PersonModel.updateOne({ _id: olga._id }, { $unset: { email: 1 } });
  const brokenTask = (await TaskModel.findOne({ number: broken }).lean())!;
  await ChangeModel.collection.updateMany({ task: brokenTask._id }, { $set: { fields: 'not a list' } });

  const result = await sendNow(world);

  const letters = world.sink.messages.map((m) => ({ to: m.to[0], text: m.text ?? '' }));
  expect(letters.map((l) => l.to).sort()).toEqual(['ivan@example.org', 'pavel@example.org']);
  const toIvan = letters.find((l) => l.to === 'ivan@example.org')!.text;
  expect(toIvan).toContain('Отчёт');
  expect(toIvan).not.toContain('Сломанное');

  const byTask = async (n: number, person: { _id: unknown }) =>
    (await DeliveryModel.findOne({ taskNumber: n, person: person._id as never }).lean<{ status: string; lastError?: string }>())!;
  expect(await byTask(gone, vera)).toMatchObject({ status: 'failed', lastError: 'the task no longer exists' });
  expect(await byTask(report, olga)).toMatchObject({ status: 'failed', lastError: 'Olga has no email address any more' });
  expect((await byTask(broken, ivan)).status).toBe('failed');
  expect((await byTask(broken, ivan)).lastError).toMatch(/^the message could not be rendered: /);
  expect(await byTask(report, ivan)).toMatchObject({ status: 'sent' });
  expect(await byTask(report, pavel)).toMatchObject({ status: 'sent' });

  expect(result.sent.email).toBe(2);
  expect(result.failed).toEqual(
    expect.arrayContaining([
      // Each with its cause, as people read it (src/i18n/failures.ts); a rendering error keeps its own words for admins.
      { channel: 'email', reason: 'the task no longer exists', cause: 'gone', count: 1 },
      { channel: 'email', reason: 'Olga has no email address any more', cause: 'address', count: 1 },
      { channel: 'email', reason: 'the message could not be rendered', cause: 'render', detail: expect.any(String) as unknown, count: 1 },
    ]),
  );
}, 60_000);
