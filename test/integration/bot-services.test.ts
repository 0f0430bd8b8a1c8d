/** The services the bot calls, where concurrency matters: numbering, revisions, subscriptions. */
import { ChangeModel, CounterModel, ObserverModel, PersonModel, TaskModel } from '../../src/db/models/index.js';
import { registerPerson, setRole } from '../../src/services/people.js';
import { addComment, createTask, editTask, taskToChange, taskToSee } from '../../src/services/tasks.js';
import { watch } from '../../src/services/observers.js';
import { loadSmsSettings, loadSmtpSettings, saveSms, saveSmtp } from '../../src/services/settings.js';
import { loadConfig } from '../../src/config.js';
import { SecretBox } from '../../src/secrets.js';
import { useTestDatabase } from '../support/db.js';

useTestDatabase();
const defaults = { adminIds: [], defaultTimezone: 'Europe/Moscow', defaultLanguage: 'ru' as const };

it('gives racing task creations distinct numbers, also when the counter is behind', async () => {
  const author = await registerPerson({ telegramId: 1, name: 'A' }, defaults);
  const numbers = await Promise.all(Array.from({ length: 20 }, (_, i) => createTask({ title: `t${i}`, authorId: author._id })));
  expect(new Set(numbers).size).toBe(20);
  await CounterModel.updateOne({ _id: 'task' }, { $set: { seq: 3 } });
  const next = await createTask({ title: 'after reset', authorId: author._id });
  expect(numbers).not.toContain(next);
  expect(await TaskModel.countDocuments()).toBe(21);
});

it('keeps one Change per revision when edits race', async () => {
  const author = await registerPerson({ telegramId: 2, name: 'B' }, defaults);
  const n = await createTask({ title: 'racing', authorId: author._id });
  await Promise.all([
    ...Array.from({ length: 8 }, async (_, i) => addComment(await taskToSee(n, author._id), `c${i}`)),
    editTask(await taskToChange(n, author._id), { field: 'priority', to: 'high' }),
  ]);
  const changes = await ChangeModel.find({ taskNumber: n }).sort({ revision: 1 }).lean();
  expect(changes.map((c) => c.revision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const task = await TaskModel.findOne({ number: n }).lean();
  expect(task).toMatchObject({ revision: 9, priority: 'high' });
});

it('keeps one observer per task and person when subscriptions race', async () => {
  const p = await registerPerson({ telegramId: 3, name: 'C' }, defaults);
  const n = await createTask({ title: 'watched', authorId: p._id });
  await Promise.all(Array.from({ length: 5 }, () => watch(n, p._id, ['telegram'], p._id)));
  expect(await ObserverModel.countDocuments({ taskNumber: n })).toBe(1);
});

it('registers a person once, however many first contacts race', async () => {
  const people = await Promise.all(
    Array.from({ length: 5 }, () => registerPerson({ telegramId: 4, name: 'D', username: '@Dee' }, { ...defaults, adminIds: [4] })),
  );
  expect(new Set(people.map((p) => String(p._id))).size).toBe(1);
  expect(people[0]).toMatchObject({ username: 'dee', role: 'admin' });
});

it('loads decrypted settings for the delivery engine', async () => {
  const secrets = new SecretBox('another-secret-key-for-this-test');
  const config = loadConfig({ SMSRU_BASE_URL: 'http://127.0.0.1:9/smsru', HTTP_TIMEOUT_MS: '1234' });
  expect(await loadSmtpSettings(secrets)).toBeUndefined();
  expect(await loadSmsSettings(secrets, config)).toBeUndefined();
  await saveSmtp({ host: 'smtp.example.org', port: 465, user: 'u', password: 'pw', from: 'x@example.org' }, secrets);
  expect(await loadSmtpSettings(secrets)).toEqual({
    host: 'smtp.example.org',
    port: 465,
    security: 'tls',
    user: 'u',
    password: 'pw',
    from: 'x@example.org',
  });
  await saveSms({ provider: 'smsru', secret: 'key', secretKind: 'api_id', sender: 'Co', maxParts: 2, fallback: 'email' }, secrets);
  expect(await loadSmsSettings(secrets, config)).toEqual({
    provider: 'smsru',
    options: {
      baseUrl: 'http://127.0.0.1:9/smsru',
      secret: 'key',
      secretKind: 'api_id',
      sender: 'Co',
      translit: false,
      testMode: false,
      timeoutMs: 1234,
    },
    maxParts: 2,
    fallback: 'email',
  });
});

it('refuses to demote the last admin', async () => {
  await PersonModel.updateMany({}, { $set: { role: 'member' } });
  const only = await registerPerson({ telegramId: 9, name: 'Only' }, defaults);
  await setRole(only._id, 'admin');
  await expect(setRole(only._id, 'member')).rejects.toMatchObject({ code: 'last_admin' });
  expect((await PersonModel.findById(only._id).lean())!.role).toBe('admin');
});

it('a settings save whose process died after its claim does not block saves for long', async () => {
  const { ClaimModel } = await import('../../src/db/models/index.js');
  const { getSettings, saveBumped } = await import('../../src/services/settings.js');
  const doc = await getSettings();
  const next = (doc.version ?? 0) + 1;
  await ClaimModel.create({ _id: `settings-version:${next}`, owner: 'settings', at: new Date() });
  await expect(saveBumped(await getSettings())).rejects.toMatchObject({ code: 'settings_conflict' });
  // A minute later the claim is stale, and the next save goes through as that version.
  const later = new Date(Date.now() + 61_000);
  const saved = await saveBumped(await getSettings(), undefined, later);
  expect(saved.version).toBe(next);
});
