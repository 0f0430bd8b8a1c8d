/** Notifications of a private task reach only those who may see it (real SMTP sink, planning and dispatch). */
import { UserError } from '../../src/domain/errors.js';
import { createTask } from '../../src/services/tasks.js';
import { watch } from '../../src/services/observers.js';
import { useTestDatabase } from '../support/db.js';
import { edit, makePerson, makeTask, sendNow, useWorld, type World } from '../support/world.js';

useTestDatabase();

const world = useWorld();

const recipients = (w: World) => w.sink.messages.flatMap((m) => m.to).sort();

it('sends a change of a private task to its observer and not to a member outside it', async () => {
  const boss = await makePerson({ name: 'Boss', email: 'boss@example.org', admin: true });
  const anna = await makePerson({ name: 'Anna', email: 'anna@example.org' });
  const vera = await makePerson({ name: 'Vera', email: 'vera@example.org' });
  const oleg = await makePerson({ name: 'Oleg', email: 'oleg@example.org' });
  const n = await createTask({ title: 'Reorganisation', authorId: anna._id, private: true });

  await watch(n, vera._id, ['email'], boss._id); // an admin adds her
  const refused = await watch(n, oleg._id, ['email'], oleg._id).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(UserError);
  expect((refused as UserError).code).toBe('task_not_found');
  expect(await watch(n, oleg._id, ['email'], vera._id).catch((e: unknown) => (e as UserError).code)).toBe('observe_others_denied');

  await edit(n, anna, 'status', 'in_progress');
  const result = await sendNow(world);

  expect(result.sent.email).toBe(1);
  expect(recipients(world)).toEqual(['vera@example.org']);
  expect(world.sink.messages[0]!.subject).toContain('Reorganisation');
});

it('keeps the observers of a task made private, who may still see it', async () => {
  const anna = await makePerson({ name: 'Anna', email: 'anna@example.org' });
  const vera = await makePerson({ name: 'Vera', email: 'vera@example.org' });
  const n = await makeTask(anna, 'Was public', [[vera, ['email']]]);
  await edit(n, anna, 'private', 'on');
  await edit(n, anna, 'title', 'Now private');

  await sendNow(world);

  expect(recipients(world)).toEqual(['vera@example.org']);
  expect(world.sink.messages[0]!.text).toContain('Now private');
});
