/**
 * The HTTP API over real HTTP (fastify on a free port), with the real services, FerretDB, the SMTP sink and
 * the sms.ru double: tokens and scopes, tasks, observers, people without Telegram, send, queue, problems.
 */
import { validate } from '@readme/openapi-parser';
import { ChangeModel, IdempotencyModel, ObserverModel, PersonModel, TaskModel } from '../../src/db/models/index.js';
import { requestCode } from '../../src/services/contact-codes.js';
import { createLogger } from '../../src/logger.js';
import { runMaintenance } from '../../src/scheduler/maintenance.js';
import { createApiToken, revokeApiToken } from '../../src/services/api-tokens.js';
import { setRole } from '../../src/services/people.js';
import { clearDatabase, useTestDatabase } from '../support/db.js';
import { makePerson, saveWorldSettings, startWorld, type World } from '../support/world.js';
import {
  startApiApp,
  type ApiApp,
  type ApiReply,
  type ChangeBody,
  type ObserverListBody,
  type PersonBody,
  type ProblemBody,
  type RunResultBody,
  type TaskBody,
  type TaskListBody,
  type TaskWithChangesBody,
} from '../support/api-app.js';

/** What these tests read of the OpenAPI document. */
interface OpenApiDoc {
  openapi: string;
  paths: Record<
    string,
    Record<string, { requestBody: { content: Record<string, { schema: { $ref?: string; properties: Record<string, unknown> } }> } }>
  >;
}
/** The served document as the validator takes it: checking its shape is the validator's job, not TypeScript's. */
const toValidate = (doc: OpenApiDoc) => structuredClone(doc) as unknown as Parameters<typeof validate>[0];
/** The body schema of POST /api/v1/tasks in the document. */
const taskCreateSchema = (doc: OpenApiDoc) => doc.paths['/api/v1/tasks']!.post!.requestBody.content['application/json']!;
interface ChangeListBody {
  items: ChangeBody[];
}

useTestDatabase();

let world: World;
let app: ApiApp;
beforeAll(async () => {
  world = await startWorld();
  app = await startApiApp(world);
});
afterAll(async () => {
  await app.server.close();
  await world.close();
});

let admin: Awaited<ReturnType<typeof makePerson>>;
let write: string;
let read: string;
beforeEach(async () => {
  await clearDatabase();
  world.sink.reset();
  world.sms.reset();
  await saveWorldSettings(world);
  admin = await makePerson({ name: 'Boss', email: 'boss@example.org', admin: true });
  const w = await createApiToken('erp', 'write', admin._id);
  const r = await createApiToken('dash', 'read', admin._id);
  if (!w.ok || !r.ok) throw new Error('tokens');
  write = w.token;
  read = r.token;
});

const problem = (res: ApiReply, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: `/api/v1/problems/${code}` });
  expect(typeof (res.body as ProblemBody).detail).toBe('string');
};

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document that a validator accepts, listing every route', async () => {
    const res = await app.call<OpenApiDoc>('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const result = await validate(toValidate(res.body));
    expect('errors' in result ? result.errors : []).toEqual([]);
    expect(result.valid).toBe(true);
    // the validator does look: a document with a dangling $ref fails
    const broken = structuredClone(res.body);
    taskCreateSchema(broken).schema = { $ref: '#/components/schemas/Nope', properties: {} };
    expect((await validate(toValidate(broken))).valid).toBe(false);
    expect(Object.keys(res.body.paths).sort()).toEqual(
      [
        '/api/v1/hooks/generic',
        '/api/v1/hooks/github',
        '/api/v1/hooks/gitlab',
        '/api/v1/hooks/jira',
        '/api/v1/people',
        '/api/v1/people/{ref}',
        '/api/v1/queue',
        '/api/v1/send',
        '/api/v1/tasks',
        '/api/v1/tasks/external/{source}/{externalId}',
        '/api/v1/tasks/{number}',
        '/api/v1/tasks/{number}/changes',
        '/api/v1/tasks/{number}/comments',
        '/api/v1/tasks/{number}/observers',
        '/api/v1/tasks/{number}/observers/{person}',
      ].sort(),
    );
    expect(taskCreateSchema(res.body).schema.properties.title).toMatchObject({
      maxLength: 200,
    });
  });
});

describe('tokens', () => {
  it('refuses a request without a token, or with an unknown one (401)', async () => {
    problem(await app.call('GET', '/api/v1/tasks'), 401, 'unauthorized');
    const r = await app.call('GET', '/api/v1/tasks', { token: `tw_${'A'.repeat(43)}` });
    problem(r, 401, 'unauthorized');
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('lets a read token read and not write (403), writing nothing', async () => {
    expect((await app.call('GET', '/api/v1/tasks', { token: read })).status).toBe(200);
    problem(await app.call('POST', '/api/v1/tasks', { token: read, body: { title: 'x' } }), 403, 'token_read_only');
    expect(await TaskModel.countDocuments()).toBe(0);
  });

  it('stops a revoked token at once (401), and revokes the tokens of an admin who is demoted', async () => {
    expect((await app.call('GET', '/api/v1/queue', { token: write })).status).toBe(200);
    expect(await revokeApiToken('erp')).toBe(true);
    problem(await app.call('GET', '/api/v1/queue', { token: write }), 401, 'unauthorized');

    await makePerson({ name: 'Second', admin: false }).then((p) => setRole(p._id, 'admin'));
    await setRole(admin._id, 'member');
    // Revoked with the demotion, not suspended: made admin again, the old token stays dead.
    problem(await app.call('GET', '/api/v1/queue', { token: read }), 401, 'unauthorized');
    await setRole(admin._id, 'admin');
    problem(await app.call('GET', '/api/v1/queue', { token: read }), 401, 'unauthorized');
  });

  it('answers an unknown API path with a 404 problem, and health and metrics as before', async () => {
    problem(await app.call('GET', '/api/v1/nothing', { token: read }), 404, 'not_found');
    expect((await app.call('GET', '/healthz')).body).toEqual({ status: 'ok', db: 'up' });
    expect((await app.call('GET', '/nothing')).body).toEqual({ status: 'error', error: 'not found' });
  });

  it('stores only a hash of a token', async () => {
    const raw = JSON.stringify(await (await import('../../src/db/models/index.js')).ApiTokenModel.find().lean());
    expect(raw).not.toContain(write);
    expect(raw).not.toContain(read);
  });
});

describe('tasks', () => {
  it('creates a task; each further field is a Change by the token’s admin', async () => {
    const anna = await makePerson({ name: 'Anna', email: 'anna@example.org' });
    const res = await app.call<TaskWithChangesBody>('POST', '/api/v1/tasks', {
      token: write,
      body: { title: 'Quarterly report', status: 'in_progress', priority: 'high', assignee: '@anna', due: '2026-12-25' },
    });
    expect(res.status).toBe(201);
    expect(res.body.created).toBe(true);
    expect(res.body.task).toMatchObject({
      title: 'Quarterly report',
      status: 'in_progress',
      priority: 'high',
      assignee: { id: String(anna._id), name: 'Anna' },
      author: { id: String(admin._id) },
    });
    expect(res.body.changes.map((c) => c.fields[0]?.field)).toEqual(['status', 'priority', 'due', 'assignee']);
    expect(res.body.changes[0]?.fields[0]).toEqual({ field: 'status', from: 'new', to: 'in_progress' });
    const stored = await ChangeModel.find({ taskNumber: res.body.task.number }).lean();
    expect(stored.map((c) => String(c.actor))).toEqual(Array(4).fill(String(admin._id)));

    const got = await app.call<TaskBody>('GET', `/api/v1/tasks/${res.body.task.number}`, { token: read });
    expect(got.status).toBe(200);
    expect(got.body.revision).toBe(4);
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, '/title'],
      [{ title: '' }, '/title'],
      [{ title: 'x', colour: 'red' }, '/colour'],
      [{ title: 'x', status: 'sleeping' }, '/status'],
      [{ title: 'x', due: 'someday' }, '/due'],
      [{ title: 'x', assignee: '@nobody' }, '/assignee'],
      [{ title: 'x', source: 'jira' }, '/externalId'],
    ];
    for (const [body, pointer] of cases) {
      const r = await app.call<ProblemBody>('POST', '/api/v1/tasks', { token: write, body });
      expect([r.status, r.body.errors?.[0]?.pointer ?? r.body.code]).toEqual([
        pointer === '/assignee' ? 404 : 422,
        pointer === '/assignee' ? 'person_not_found' : pointer,
      ]);
    }
    expect(await TaskModel.countDocuments()).toBe(0);
    expect(await ChangeModel.countDocuments()).toBe(0);
  });

  it('answers 415 for a body that is not JSON, 400 for broken JSON, 413 over 64 KB', async () => {
    problem(
      await app.call('POST', '/api/v1/tasks', { token: write, raw: 'title=x', headers: { 'content-type': 'text/plain' } }),
      415,
      'not_json',
    );
    problem(
      await app.call('POST', '/api/v1/tasks', { token: write, raw: '{"title":', headers: { 'content-type': 'application/json' } }),
      400,
      'json_invalid',
    );
    const big = await app.call('POST', '/api/v1/tasks', { token: write, body: { title: 'x', description: 'y'.repeat(64 * 1024) } });
    problem(big, 413, 'body_too_large');
    expect(await TaskModel.countDocuments()).toBe(0);
  });

  it('updates only what differs; the same PATCH again changes nothing', async () => {
    const { body } = await app.call<TaskWithChangesBody>('POST', '/api/v1/tasks', { token: write, body: { title: 'Fix the roof' } });
    const n = body.task.number;
    const first = await app.call<TaskWithChangesBody>('PATCH', `/api/v1/tasks/${n}`, {
      token: write,
      body: { status: 'done', title: 'Fix the roof' },
    });
    expect(first.status).toBe(200);
    expect(first.body.changes).toHaveLength(1);
    expect(first.body.changes[0]?.fields).toEqual([{ field: 'status', from: 'new', to: 'done' }]);
    const again = await app.call<TaskWithChangesBody>('PATCH', `/api/v1/tasks/${n}`, { token: write, body: { status: 'done' } });
    expect(again.body.changes).toEqual([]);
    problem(await app.call('PATCH', `/api/v1/tasks/${n}`, { token: write, body: {} }), 422, 'validation_failed');
    problem(await app.call('PATCH', '/api/v1/tasks/999', { token: write, body: { status: 'done' } }), 404, 'task_not_found');
    problem(await app.call('GET', '/api/v1/tasks/abc', { token: write }), 400, 'validation_failed');
  });

  it('upserts by (source, externalId): one task, a repeat changes nothing, a new value is a Change', async () => {
    const body = { title: 'Login page broken', source: 'jira', externalId: 'WEB-7', url: 'https://jira.example.org/browse/WEB-7' };
    const a = await app.call<TaskWithChangesBody>('POST', '/api/v1/tasks', { token: write, body });
    expect(a.status).toBe(201);
    const b = await app.call<TaskWithChangesBody>('POST', '/api/v1/tasks', { token: write, body });
    expect(b.status).toBe(200);
    expect(b.body.changes).toEqual([]);
    expect(b.body.task.number).toBe(a.body.task.number);
    const c = await app.call<TaskWithChangesBody>('PUT', '/api/v1/tasks/external/jira/WEB-7', {
      token: write,
      body: { title: 'Login page broken', status: 'review' },
    });
    expect(c.status).toBe(200);
    expect(c.body.changes[0]?.fields).toEqual([{ field: 'status', from: 'new', to: 'review' }]);
    expect(c.body.task).toMatchObject({ source: 'jira', externalId: 'WEB-7', url: 'https://jira.example.org/browse/WEB-7' });
    const d = await app.call('PUT', '/api/v1/tasks/external/jira/WEB-8', { token: write, body: { title: 'Another' } });
    expect(d.status).toBe(201);
    expect(await TaskModel.countDocuments()).toBe(2);
  });

  it('creates one task when the same new pair is upserted at the same moment', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => app.call('PUT', '/api/v1/tasks/external/gitlab/42', { token: write, body: { title: 'Race' } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    expect(await TaskModel.countDocuments()).toBe(1);
  });

  it('lists with filters and cursor paging', async () => {
    const anna = await makePerson({ name: 'Anna', email: 'anna@example.org' });
    for (let i = 1; i <= 5; i++) {
      await app.call('POST', '/api/v1/tasks', {
        token: write,
        body: {
          title: `T${i}`,
          ...(i % 2 ? { status: 'review' } : {}),
          ...(i === 2 ? { assignee: String(anna._id) } : {}),
          ...(i >= 4 ? { source: 'gh', externalId: `${i}` } : {}),
        },
      });
    }
    const page1 = await app.call<TaskListBody>('GET', '/api/v1/tasks?limit=2', { token: read });
    expect(page1.body.items.map((t) => t.title)).toEqual(['T5', 'T4']);
    const page2 = await app.call<TaskListBody>('GET', `/api/v1/tasks?limit=2&cursor=${page1.body.nextCursor}`, { token: read });
    expect(page2.body.items.map((t) => t.title)).toEqual(['T3', 'T2']);
    const page3 = await app.call<TaskListBody>('GET', `/api/v1/tasks?limit=2&cursor=${page2.body.nextCursor}`, { token: read });
    expect(page3.body).toMatchObject({ nextCursor: null });
    expect(page3.body.items.map((t) => t.title)).toEqual(['T1']);
    const review = await app.call<TaskListBody>('GET', '/api/v1/tasks?status=review', { token: read });
    expect(review.body.items.map((t) => t.title)).toEqual(['T5', 'T3', 'T1']);
    const annas = await app.call<TaskListBody>('GET', '/api/v1/tasks?assignee=anna@example.org', { token: read });
    expect(annas.body.items.map((t) => t.title)).toEqual(['T2']);
    const gh = await app.call<TaskListBody>('GET', '/api/v1/tasks?source=gh', { token: read });
    expect(gh.body.items.map((t) => t.externalId)).toEqual(['5', '4']);
    problem(await app.call('GET', '/api/v1/tasks?status=zzz', { token: read }), 400, 'validation_failed');
  });

  it('adds a comment as a Change, and lists the changes', async () => {
    const { body } = await app.call<TaskWithChangesBody>('POST', '/api/v1/tasks', { token: write, body: { title: 'Talk' } });
    const c = await app.call<ChangeBody>('POST', `/api/v1/tasks/${body.task.number}/comments`, { token: write, body: { text: 'Started' } });
    expect(c.status).toBe(201);
    expect(c.body.fields).toEqual([{ field: 'comment', from: '', to: 'Started' }]);
    problem(
      await app.call('POST', `/api/v1/tasks/${body.task.number}/comments`, { token: write, body: { text: '' } }),
      422,
      'validation_failed',
    );
    const list = await app.call<ChangeListBody>('GET', `/api/v1/tasks/${body.task.number}/changes`, { token: read });
    expect(list.body.items).toHaveLength(1);
  });
});

describe('idempotency', () => {
  it('answers a replay with the first answer and creates nothing more; another body with the key is 422', async () => {
    const headers = { 'idempotency-key': 'order-1' };
    const a = await app.call('POST', '/api/v1/tasks', { token: write, body: { title: 'Once' }, headers });
    const b = await app.call('POST', '/api/v1/tasks', { token: write, body: { title: 'Once' }, headers });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotency-replayed')).toBe('true');
    expect(b.body).toEqual(a.body);
    expect(await TaskModel.countDocuments()).toBe(1);
    problem(await app.call('POST', '/api/v1/tasks', { token: write, body: { title: 'Twice' }, headers }), 422, 'idempotency_key_reused');
    expect(await TaskModel.countDocuments()).toBe(1);
    // the same key of another token is another key
    const other = await createApiToken('other', 'write', admin._id);
    const c = await app.call('POST', '/api/v1/tasks', { token: (other as { token: string }).token, body: { title: 'Once' }, headers });
    expect(c.headers.get('idempotency-replayed')).toBeNull();
    expect(await TaskModel.countDocuments()).toBe(2);
  });

  it('forgets keys after a day (maintenance), so that a later request with the key is a new one', async () => {
    const headers = { 'idempotency-key': 'old-key' };
    await app.call('POST', '/api/v1/tasks', { token: write, body: { title: 'Day one' }, headers });
    await IdempotencyModel.updateMany({}, { $set: { at: new Date(Date.now() - 25 * 3600_000) } });
    expect((await runMaintenance(new Date(), 0)).idempotencyKeys).toBe(1);
    const again = await app.call('POST', '/api/v1/tasks', { token: write, body: { title: 'Day one' }, headers });
    expect(again.headers.get('idempotency-replayed')).toBeNull();
    expect(await TaskModel.countDocuments()).toBe(2);
  });

  it('replays a PATCH without a second Change', async () => {
    const { body } = await app.call<TaskWithChangesBody>('POST', '/api/v1/tasks', { token: write, body: { title: 'P' } });
    const headers = { 'idempotency-key': 'patch-1' };
    await app.call('PATCH', `/api/v1/tasks/${body.task.number}`, { token: write, body: { description: 'd1' }, headers });
    await app.call('PATCH', `/api/v1/tasks/${body.task.number}`, { token: write, body: { description: 'd1' }, headers });
    expect(await ChangeModel.countDocuments()).toBe(1);
  });
});

describe('people without Telegram, observers, send', () => {
  it('adds a person by e-mail and phone who gets the change by e-mail and SMS', async () => {
    const p = await app.call<PersonBody>('POST', '/api/v1/people', {
      token: write,
      body: { name: 'Ivan Petrov', email: 'ivan@example.org', phone: '+7 912 345-67-89' },
    });
    expect(p.status).toBe(201);
    expect(p.body).toMatchObject({
      name: 'Ivan Petrov',
      telegram: false,
      role: 'member',
      email: 'ivan@example.org',
      phone: '+79123456789',
    });
    expect((await PersonModel.findById(p.body.id).lean())!.telegramId).toBeLessThan(0);
    const byPhone = await app.call<PersonBody>('GET', '/api/v1/people/+79123456789', { token: read });
    expect(byPhone.body.id).toBe(p.body.id);
    // A read token reads who someone is, not how to reach them.
    expect(byPhone.body).not.toHaveProperty('email');
    expect(byPhone.body).not.toHaveProperty('phone');
    expect((await app.call<PersonBody>('GET', `/api/v1/people/${p.body.id}`, { token: write })).body).toMatchObject({
      email: 'ivan@example.org',
    });

    const { body } = await app.call<TaskWithChangesBody>('POST', '/api/v1/tasks', { token: write, body: { title: 'Pump station' } });
    const n = body.task.number;
    problem(
      await app.call('POST', `/api/v1/tasks/${n}/observers`, {
        token: write,
        body: { person: 'ivan@example.org', channels: ['telegram'] },
      }),
      422,
      'channel_no_address',
    );
    const o = await app.call('POST', `/api/v1/tasks/${n}/observers`, {
      token: write,
      body: { person: 'ivan@example.org', channels: ['email', 'sms'] },
    });
    expect(o.status).toBe(201);
    expect((await app.call<ObserverListBody>('GET', `/api/v1/tasks/${n}/observers`, { token: read })).body.items).toEqual([
      { person: { id: p.body.id, name: 'Ivan Petrov' }, channels: ['email', 'sms'] },
    ]);

    await app.call('PATCH', `/api/v1/tasks/${n}`, { token: write, body: { status: 'in_progress' } });
    const sent = await app.call<RunResultBody>('POST', '/api/v1/send', { token: write, body: {} });
    expect(sent.status).toBe(200);
    expect(sent.body.sent).toMatchObject({ email: 1, sms: 1 });
    expect(world.sink.messages.flatMap((m) => m.to)).toEqual(['ivan@example.org']);
    expect(world.sink.messages[0]!.subject).toContain('Pump station');
    expect(world.sms.accepted.map((s) => s.to)).toEqual(['79123456789']);

    const q = await app.call('GET', '/api/v1/queue', { token: read });
    expect(q.body).toMatchObject({ pending: 0, sent: 2 });

    expect((await app.call('DELETE', `/api/v1/tasks/${n}/observers/${p.body.id}`, { token: write })).status).toBe(204);
    problem(await app.call('DELETE', `/api/v1/tasks/${n}/observers/${p.body.id}`, { token: write }), 404, 'not_watching');
  });

  it('refuses a person with bad contacts naming the field, creating nobody', async () => {
    const before = await PersonModel.countDocuments();
    const a = await app.call<ProblemBody>('POST', '/api/v1/people', { token: write, body: { name: 'X', email: 'not-mail' } });
    expect([a.status, a.body.errors?.[0]?.pointer]).toEqual([422, '/email']);
    const b = await app.call<ProblemBody>('POST', '/api/v1/people', { token: write, body: { name: 'X', phone: '+7 800 555-35-35' } });
    expect([b.status, b.body.errors?.[0]?.pointer, b.body.code]).toEqual([422, '/phone', 'phone_not_mobile']);
    const c = await app.call<ProblemBody>('POST', '/api/v1/people', { token: write, body: { name: 'X' } });
    expect([c.status, c.body.code]).toEqual([422, 'person_contact_missing']);
    expect(await PersonModel.countDocuments()).toBe(before);
  });

  it('updates contacts: both checked before either is saved', async () => {
    const anna = await makePerson({ name: 'Anna', email: 'anna@example.org' });
    const bad = await app.call<ProblemBody>('PATCH', `/api/v1/people/@anna`, {
      token: write,
      body: { email: 'new@example.org', phone: '12' },
    });
    expect([bad.status, bad.body.errors?.[0]?.pointer]).toEqual([422, '/phone']);
    expect((await PersonModel.findById(anna._id).lean())!.email).toBe('anna@example.org');
    const ok = await app.call('PATCH', `/api/v1/people/${String(anna._id)}`, {
      token: write,
      body: { email: 'new@example.org', phone: null },
    });
    expect(ok.body).toMatchObject({ email: 'new@example.org', telegram: true });
    problem(await app.call('GET', '/api/v1/people/@ghost', { token: read }), 404, 'person_not_found');
  });

  it('refuses /send of a task that does not exist (404)', async () => {
    problem(await app.call('POST', '/api/v1/send', { token: write, body: { task: 77 } }), 404, 'task_not_found');
  });
});

describe('one e-mail or phone names one person (finding 1 of the trust review)', () => {
  it('does not find an address its member has only asked for: a private task for it gets no assignee', async () => {
    const mallory = await makePerson({ name: 'Mallory' });
    // Mallory types /email ceo@corp.example: a code goes there, nothing else does, and nobody confirms it.
    await requestCode(mallory, 'email', 'ceo@corp.example', {
      config: world.config,
      secrets: world.secrets,
      logger: createLogger('silent'),
    });
    expect(world.sink.messages.map((m) => m.to)).toEqual([['ceo@corp.example']]);
    const res = await app.call<ProblemBody>('POST', '/api/v1/tasks', {
      token: write,
      body: { title: 'Layoffs list', private: true, assignee: 'ceo@corp.example' },
    });
    expect([res.status, res.body.code]).toEqual([404, 'person_not_found']);
    problem(await app.call('GET', '/api/v1/people/ceo@corp.example', { token: write }), 404, 'person_not_found');
    expect(await TaskModel.countDocuments()).toBe(0);
  });

  it('refuses a second person with an address someone has (409, naming them), and changes nothing', async () => {
    const anna = await makePerson({ name: 'Anna', email: 'anna@example.org', phone: '+79120000001' });
    const before = await PersonModel.countDocuments();
    const dup = await app.call<ProblemBody>('POST', '/api/v1/people', {
      token: write,
      body: { name: 'Fake Anna', email: 'ANNA@example.org' },
    });
    problem(dup, 409, 'contact_taken');
    expect(dup.body.detail).toContain('Anna (@anna)');
    expect(await PersonModel.countDocuments()).toBe(before);
    const ivan = await makePerson({ name: 'Ivan', email: 'ivan@example.org' });
    const patch = await app.call<ProblemBody>('PATCH', '/api/v1/people/ivan@example.org', {
      token: write,
      body: { email: 'ivan2@example.org', phone: '+7 912 000-00-01' },
    });
    problem(patch, 409, 'contact_taken');
    expect(patch.body.detail).toContain('+79120000001');
    // Neither field saved: both are checked first.
    expect(await PersonModel.findById(ivan._id).lean()).toMatchObject({ email: 'ivan@example.org' });
    expect((await PersonModel.findById(anna._id).lean())!.phone).toBe('+79120000001');
  });

  it('answers 409 naming both when a reference could mean two people, and picks neither', async () => {
    const anna = await makePerson({ name: 'Anna', email: 'anna@example.org' });
    const n = (await app.call<TaskWithChangesBody>('POST', '/api/v1/tasks', { token: write, body: { title: 'Shared' } })).body.task.number;
    // Two admins setting one address at the same instant can make two (the check and the write are two statements).
    const twin = await makePerson({ name: 'Anya' });
    await PersonModel.updateOne({ _id: twin._id }, { $set: { email: 'Anna@Example.org' } });
    for (const [method, path, body] of [
      ['GET', '/api/v1/people/anna@example.org', undefined],
      ['PATCH', '/api/v1/people/anna@example.org', { phone: null }],
      ['POST', `/api/v1/tasks/${n}/observers`, { person: 'anna@example.org', channels: ['email'] }],
      ['PATCH', `/api/v1/tasks/${n}`, { assignee: 'anna@example.org' }],
      ['GET', '/api/v1/tasks?assignee=anna@example.org', undefined],
    ] as const) {
      const res = await app.call<ProblemBody>(method, path, { token: write, ...(body ? { body } : {}) });
      expect([path, res.status]).toEqual([path, 409]);
      problem(res, 409, 'person_ambiguous');
      expect(res.body.detail).toContain('Anna (@anna)');
      expect(res.body.detail).toContain('Anya (@anya)');
    }
    expect(await ObserverModel.countDocuments({ person: { $in: [anna._id, twin._id] } })).toBe(0);
    expect((await TaskModel.findOne({ number: n }).lean())!.assignee).toBeUndefined();
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the per-token limit', async () => {
    // The limit counts in one-minute windows: a clock fixed inside one, so no minute can end mid-test.
    const minute = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
    const limited = await startApiApp(world, { ratePerMinute: 3, rateClock: () => minute });
    try {
      for (let i = 0; i < 3; i++) expect((await limited.call('GET', '/api/v1/queue', { token: read })).status).toBe(200);
      const r = await limited.call('GET', '/api/v1/queue', { token: read });
      problem(r, 429, 'rate_limited');
      expect(r.headers.get('retry-after')).toBe('59');
      // another token has its own allowance
      expect((await limited.call('GET', '/api/v1/queue', { token: write })).status).toBe(200);
      // A second process serving the API counts in the same database: the token's minute is spent there too.
      const other = await startApiApp(world, { ratePerMinute: 3, rateClock: () => minute });
      try {
        problem(await other.call('GET', '/api/v1/queue', { token: read }), 429, 'rate_limited');
      } finally {
        await other.server.close();
      }
    } finally {
      await limited.server.close();
    }
  });
});

describe('problems as a caller reads them', () => {
  it('a list far longer than allowed is one short problem: 140,000 channels are refused unread, 5,000 in one line', async () => {
    const { body } = await app.call<TaskWithChangesBody>('POST', '/api/v1/tasks', { token: write, body: { title: 'Bounded' } });
    const path = `/api/v1/tasks/${body.task.number}/observers`;
    const huge = await app.call<ProblemBody>('POST', path, {
      token: write,
      body: { person: 'x', channels: Array<number>(140_000).fill(1) },
    });
    problem(huge, 413, 'body_too_large');
    const long = await app.call<ProblemBody>('POST', path, {
      token: write,
      body: { person: 'x', channels: Array<string>(5_000).fill('email') },
    });
    expect(long.status).toBe(422);
    expect(long.body.errors).toEqual([{ pointer: '/channels', detail: 'must have at most 3 items' }]);
    expect(JSON.stringify(long.body).length).toBeLessThan(1000);
  });

  it('names the allowed values of a field once, in the language asked for', async () => {
    const en = await app.call<ProblemBody>('POST', '/api/v1/tasks', { token: write, body: { title: 'x', status: 'sleeping' } });
    expect(en.status).toBe(422);
    expect(en.body.errors).toEqual([{ pointer: '/status', detail: 'must be one of new, in_progress, review, done, cancelled' }]);
    const ru = await app.call<ProblemBody>('POST', '/api/v1/tasks', {
      token: write,
      body: { title: 'x', status: 'sleeping' },
      headers: { 'accept-language': 'ru' },
    });
    expect(ru.body.errors).toEqual([{ pointer: '/status', detail: 'допустимые значения: new, in_progress, review, done, cancelled' }]);
  });

  it('answers a missing task without pointing to the bot', async () => {
    const r = await app.call<ProblemBody>('GET', '/api/v1/tasks/404', { token: read });
    expect(r.status).toBe(404);
    expect(r.body.detail).toBe('There is no task #404.');
  });

  it('shows a due date in a change as the task does: an ISO 8601 instant', async () => {
    const { body } = await app.call<TaskWithChangesBody>('POST', '/api/v1/tasks', { token: write, body: { title: 'Due' } });
    const n = body.task.number;
    const patched = await app.call<TaskWithChangesBody>('PATCH', `/api/v1/tasks/${n}`, {
      token: write,
      body: { due: '2030-12-25T15:00:00.000Z' },
    });
    expect(patched.body.task.due).toBe('2030-12-25T15:00:00.000Z');
    expect(patched.body.changes[0]!.fields).toEqual([{ field: 'due', from: '', to: '2030-12-25T15:00:00.000Z' }]);
    const list = await app.call<ChangeListBody>('GET', `/api/v1/tasks/${n}/changes`, { token: read });
    expect(list.body.items[0]!.fields).toEqual([{ field: 'due', from: '', to: '2030-12-25T15:00:00.000Z' }]);
  });
});
