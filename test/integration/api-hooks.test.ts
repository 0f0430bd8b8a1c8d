/**
 * Tracker webhooks over real HTTP with the documented payload examples (test/fixtures/trackers): each event
 * becomes Changes on the task upserted by (source, externalId), and its observers get a letter at the SMTP
 * sink and an SMS at the sms.ru double.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ChangeModel, PersonModel, TaskModel } from '../../src/db/models/index.js';
import { createApiToken } from '../../src/services/api-tokens.js';
import { clearDatabase, useTestDatabase } from '../support/db.js';
import { makePerson, saveWorldSettings, sendNow, startWorld, type World } from '../support/world.js';
import { startApiApp, type ApiApp, type HookBody, type PersonBody, type ProblemBody, type TaskBody } from '../support/api-app.js';

useTestDatabase();

const SECRETS = {
  gitlabToken: 'gitlab-token-0123456789',
  githubSecret: 'github-secret-0123456789',
  jiraSecret: 'jira-secret-0123456789',
  // What each secret may speak for: the fixtures' project, repository and Jira project (and one more each).
  gitlabProjects: ['gitlabhq/gitlab-test', 'acme/api'],
  githubRepos: ['codertocat/hello-world', 'acme/api'],
  jiraProjects: ['test', 'ops'],
};
/** A recorded tracker payload, typed as far as a test changes it. */
const fixture = <T = unknown>(name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/trackers/${name}`, import.meta.url), 'utf8')) as T;
type GitlabFixture = { object_attributes: Record<string, unknown> };
type JiraFixture = { issue: { fields: Record<string, unknown> }; changelog: unknown };
const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

let world: World;
let app: ApiApp;
let write: string;
let read: string;
beforeAll(async () => {
  world = await startWorld();
  app = await startApiApp(world, { hooks: SECRETS });
});
afterAll(async () => {
  await app.server.close();
  await world.close();
});
beforeEach(async () => {
  await clearDatabase();
  world.sink.reset();
  world.sms.reset();
  await saveWorldSettings(world);
  const admin = await makePerson({ name: 'Boss', admin: true });
  write = ((await createApiToken('hooks', 'write', admin._id)) as { token: string }).token;
  read = ((await createApiToken('ro', 'read', admin._id)) as { token: string }).token;
});

/** An observer without Telegram, on e-mail and SMS, added through the API. */
async function observe(taskNumber: number): Promise<void> {
  const p = await app.call<PersonBody>('POST', '/api/v1/people', {
    token: write,
    body: { name: 'Ivan Petrov', email: 'ivan@example.org', phone: '+79123456789' },
  });
  expect(p.status).toBe(201);
  const o = await app.call('POST', `/api/v1/tasks/${taskNumber}/observers`, {
    token: write,
    body: { person: p.body.id, channels: ['email', 'sms'] },
  });
  expect(o.status).toBe(201);
}

/** One dispatch; what Ivan got by e-mail and SMS. */
async function delivered() {
  await sendNow(world);
  return {
    mail: world.sink.messages.map((m) => ({ to: m.to, subject: m.subject, text: m.text })),
    sms: world.sms.accepted.map((s) => ({ to: s.to, msg: s.msg })),
  };
}

const post = (path: string, body: string, headers: Record<string, string>) =>
  app.call<HookBody>('POST', path, { raw: body, headers: { 'content-type': 'application/json', ...headers } });

describe('GitLab', () => {
  it('refuses a missing or wrong X-Gitlab-Token, writing nothing', async () => {
    const body = JSON.stringify(fixture('gitlab-issue-hook.json'));
    expect((await post('/api/v1/hooks/gitlab', body, {})).status).toBe(401);
    expect((await post('/api/v1/hooks/gitlab', body, { 'x-gitlab-token': `${SECRETS.gitlabToken}x` })).status).toBe(401);
    expect(await TaskModel.countDocuments()).toBe(0);
  });

  it('turns an issue event into a task, and closing it into a Change its observers hear about', async () => {
    const opened = fixture<GitlabFixture>('gitlab-issue-hook.json');
    const h = { 'x-gitlab-token': SECRETS.gitlabToken, 'x-gitlab-event': 'Issue Hook' };
    const a = await post('/api/v1/hooks/gitlab', JSON.stringify(opened), h);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ created: true });
    const task = (await app.call<TaskBody>('GET', `/api/v1/tasks/${a.body.task}`, { token: read })).body;
    expect(task).toMatchObject({
      title: 'New API: create/update/delete file',
      description: 'Create new API for manipulations with repository',
      status: 'new',
      source: 'gitlab',
      externalId: 'gitlabhq/gitlab-test#23',
      url: 'http://example.com/diaspora/issues/23',
    });
    await observe(a.body.task);
    // the same event again changes nothing
    expect((await post('/api/v1/hooks/gitlab', JSON.stringify(opened), h)).body).toMatchObject({ task: a.body.task, changes: 0 });

    const closed = structuredClone(opened);
    closed.object_attributes.state = 'closed';
    closed.object_attributes.action = 'close';
    const b = await post('/api/v1/hooks/gitlab', JSON.stringify(closed), h);
    expect(b.body).toMatchObject({ task: a.body.task, created: false, changes: 1 });
    const change = await ChangeModel.findOne({ taskNumber: a.body.task }).sort({ revision: -1 }).lean();
    expect(change!.fields).toEqual([{ field: 'status', from: 'new', to: 'done' }]);
    expect((await PersonModel.findById(change!.actor).lean())!.name).toBe('GitLab');

    const got = await delivered();
    expect(got.mail.map((m) => m.to)).toEqual([['ivan@example.org']]);
    // the letter carries the task and its change (with the description set when it was created)
    expect(got.mail[0]!.text).toContain('New API: create/update/delete file');
    expect(got.mail[0]!.subject).toContain(`#${a.body.task}`);
    expect(got.sms.map((s) => s.to)).toEqual(['79123456789']);
    expect(got.sms[0]!.msg).toContain(String(a.body.task));
  });
});

describe('GitHub', () => {
  const h = (event: string, body: string, secret = SECRETS.githubSecret) => ({
    'x-github-event': event,
    'x-hub-signature-256': sign(secret, body),
  });

  it('refuses a missing or wrong signature, writing nothing', async () => {
    const body = JSON.stringify(fixture('github-issues-opened.json'));
    expect((await post('/api/v1/hooks/github', body, { 'x-github-event': 'issues' })).status).toBe(401);
    expect((await post('/api/v1/hooks/github', body, h('issues', body, 'another-secret-0123456789'))).status).toBe(401);
    // signed, then changed on the way
    expect((await post('/api/v1/hooks/github', body.replace('Spelling', 'Spilling'), h('issues', body))).status).toBe(401);
    expect(await TaskModel.countDocuments()).toBe(0);
  });

  it('turns issues and issue_comment events into Changes its observers hear about', async () => {
    const opened = JSON.stringify(fixture('github-issues-opened.json'));
    const a = await post('/api/v1/hooks/github', opened, h('issues', opened));
    expect(a.status).toBe(200);
    const task = (await app.call<TaskBody>('GET', `/api/v1/tasks/${a.body.task}`, { token: read })).body;
    expect(task).toMatchObject({
      title: 'Spelling error in the README file',
      source: 'github',
      externalId: 'Codertocat/Hello-World#1',
      url: 'https://github.com/Codertocat/Hello-World/issues/1',
    });
    await observe(a.body.task);
    const edited = JSON.stringify(fixture('github-issues-edited.json'));
    expect((await post('/api/v1/hooks/github', edited, h('issues', edited))).body).toMatchObject({ task: a.body.task, changes: 0 });

    const comment = JSON.stringify(fixture('github-issue-comment-created.json'));
    const c = await post('/api/v1/hooks/github', comment, h('issue_comment', comment));
    expect(c.body).toMatchObject({ task: a.body.task, changes: 1 });
    const change = await ChangeModel.findOne({ taskNumber: a.body.task }).sort({ revision: -1 }).lean();
    expect(change!.fields).toEqual([{ field: 'comment', to: "Codertocat: You are totally right! I'll get this fixed right away." }]);

    const got = await delivered();
    expect(got.mail.map((m) => m.to)).toEqual([['ivan@example.org']]);
    expect(got.mail[0]!.text).toContain('You are totally right!');
    expect(got.sms.map((s) => s.to)).toEqual(['79123456789']);
  });

  it('answers a ping and other events without changing anything', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.' });
    expect((await post('/api/v1/hooks/github', body, h('ping', body))).body).toEqual({ ignored: 'ping' });
    expect((await post('/api/v1/hooks/github', body, h('push', body))).body.ignored).toContain('push');
    expect(await TaskModel.countDocuments()).toBe(0);
  });
});

describe('Jira', () => {
  it('applies jira:issue_updated with its changelog as Changes (from → to) its observers hear about', async () => {
    const after = fixture<JiraFixture>('jira-issue-updated.json');
    // The issue as it was before that update: its first event here creates the task.
    const before = structuredClone(after);
    before.issue.fields.summary = 'What is going on here?????';
    before.issue.fields.status = { name: 'To Do', statusCategory: { key: 'new' } };
    before.changelog = { id: '10123', items: [] };
    const send = (payload: unknown, secret = SECRETS.jiraSecret) => {
      const body = JSON.stringify(payload);
      return post('/api/v1/hooks/jira', body, { 'x-hub-signature': sign(secret, body) });
    };
    expect((await send(after, 'wrong-secret-0123456789')).status).toBe(401);
    const a = await send(before);
    expect(a.body).toMatchObject({ created: true });
    await observe(a.body.task);

    const b = await send(after);
    expect(b.body).toMatchObject({ task: a.body.task, created: false, changes: 2 });
    const changes = await ChangeModel.find({ taskNumber: a.body.task }).sort({ revision: 1 }).lean();
    expect(changes.map((c) => c.fields[0])).toEqual([
      { field: 'title', from: 'What is going on here?????', to: 'A new summary.' },
      { field: 'status', from: 'new', to: 'in_progress' },
    ]);
    expect((await app.call<TaskBody>('GET', `/api/v1/tasks/${a.body.task}`, { token: read })).body).toMatchObject({
      externalId: 'TEST-2',
      url: 'https://example.atlassian.net/browse/TEST-2',
    });

    const got = await delivered();
    expect(got.mail.map((m) => m.to)).toEqual([['ivan@example.org']]);
    expect(got.mail[0]!.text).toContain('A new summary.');
    expect(got.sms.map((s) => s.to)).toEqual(['79123456789']);
  });
});

describe('generic', () => {
  it('takes the documented format with a write token, and refuses bad input or a read token', async () => {
    const event = {
      source: '1c',
      externalId: 'ЗД-000123',
      title: 'Согласовать договор',
      state: 'in_progress',
      url: 'https://erp.example.org/task/123',
      comment: { author: 'Иванов', text: 'Отправил на подпись' },
    };
    const a = await app.call<HookBody>('POST', '/api/v1/hooks/generic', { token: write, body: event });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ created: true, changes: 2 });
    const fields = (await ChangeModel.find({ taskNumber: a.body.task }).sort({ revision: 1 }).lean()).map((c) => c.fields[0]!.field);
    expect(fields).toEqual(['status', 'comment']);
    expect((await app.call('POST', '/api/v1/hooks/generic', { token: read, body: event })).status).toBe(403);
    expect((await app.call('POST', '/api/v1/hooks/generic', { body: event })).status).toBe(401);
    const bad = await app.call<ProblemBody>('POST', '/api/v1/hooks/generic', { token: write, body: { source: '1c', title: 'x' } });
    expect([bad.status, bad.body.code]).toEqual([422, 'validation_failed']);
    expect(await TaskModel.countDocuments()).toBe(1);
  });

  it('answers 404 for a receiver whose secret is not set', async () => {
    const off = await startApiApp(world);
    try {
      const r = await off.call<ProblemBody>('POST', '/api/v1/hooks/gitlab', {
        body: fixture('gitlab-issue-hook.json'),
        headers: { 'x-gitlab-token': 'anything-at-all-123' },
      });
      expect([r.status, r.body.code]).toEqual([404, 'hook_not_configured']);
    } finally {
      await off.server.close();
    }
  });
});

describe('replays and impersonation', () => {
  const signed = (event: string, body: string) => ({ 'x-github-event': event, 'x-hub-signature-256': sign(SECRETS.githubSecret, body) });
  it('a GitHub delivery posted three times makes one comment, and its observers hear of it once', async () => {
    const opened = JSON.stringify(fixture('github-issues-opened.json'));
    const a = await post('/api/v1/hooks/github', opened, {
      ...signed('issues', opened),
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    });
    await observe(a.body.task);
    const comment = JSON.stringify(fixture('github-issue-comment-created.json'));
    const headers = { ...signed('issue_comment', comment), 'x-github-delivery': '9f1c2e4a-cc78-11e3-81ab-4c9367dc0958' };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await post('/api/v1/hooks/github', comment, headers)).body);
    expect(answers[0]).toMatchObject({ task: a.body.task, changes: 1 });
    expect(answers.slice(1)).toEqual([
      { ignored: 'already received: this delivery was applied before' },
      { ignored: 'already received: this delivery was applied before' },
    ]);
    const comments = await ChangeModel.countDocuments({ taskNumber: a.body.task, 'fields.field': 'comment' });
    expect(comments).toBe(1);
    expect((await delivered()).mail).toHaveLength(1);
  });

  it('a GitLab and a Jira delivery sent again change nothing the second time', async () => {
    const gitlab = JSON.stringify(fixture('gitlab-issue-hook.json'));
    const gh = {
      'x-gitlab-token': SECRETS.gitlabToken,
      'x-gitlab-event': 'Issue Hook',
      'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e',
    };
    expect((await post('/api/v1/hooks/gitlab', gitlab, gh)).status).toBe(200);
    expect((await post('/api/v1/hooks/gitlab', gitlab, gh)).body.ignored).toContain('already received');
    const jira = JSON.stringify(fixture('jira-issue-updated.json'));
    const jh = {
      'x-hub-signature': sign(SECRETS.jiraSecret, jira),
      'x-atlassian-webhook-identifier': '4b2f1c3d-1111-2222-3333-444455556666',
    };
    expect((await post('/api/v1/hooks/jira', jira, jh)).status).toBe(200);
    const changes = await ChangeModel.countDocuments();
    expect((await post('/api/v1/hooks/jira', jira, jh)).body.ignored).toContain('already received');
    expect(await ChangeModel.countDocuments()).toBe(changes);
  });

  it('the generic receiver cannot speak for a tracker with a receiver of its own', async () => {
    const r = await app.call<ProblemBody>('POST', '/api/v1/hooks/generic', {
      token: write,
      body: { source: 'github', externalId: 'Codertocat/Hello-World#1', title: 'Forged' },
    });
    expect([r.status, r.body.code]).toEqual([422, 'validation_failed']);
    expect(r.body.detail).toContain('/api/v1/hooks/github');
    expect(await TaskModel.countDocuments()).toBe(0);
  });

  it('a secret speaks only for its own projects: a signed event about another is 403 and changes nothing', async () => {
    const other = fixture<{ repository: { full_name: string } }>('github-issues-opened.json');
    other.repository.full_name = 'evil/elsewhere';
    const body = JSON.stringify(other);
    const r = await post('/api/v1/hooks/github', body, signed('issues', body));
    expect([r.status, (r.body as unknown as ProblemBody).code]).toEqual([403, 'hook_scope_denied']);
    expect((r.body as unknown as ProblemBody).detail).toBe(
      'This webhook\'s secret may speak for codertocat/hello-world, acme/api, not for "evil/elsewhere". Add it to GITHUB_WEBHOOK_REPOS to accept its events.',
    );
    const gitlab = fixture<{ project: { path_with_namespace: string } }>('gitlab-issue-hook.json');
    gitlab.project.path_with_namespace = 'evil/elsewhere';
    const g = await post('/api/v1/hooks/gitlab', JSON.stringify(gitlab), {
      'x-gitlab-token': SECRETS.gitlabToken,
      'x-gitlab-event': 'Issue Hook',
    });
    expect(g.status).toBe(403);
    const jira = fixture<{ issue: { key: string } }>('jira-issue-updated.json');
    jira.issue.key = 'HR-7';
    const jb = JSON.stringify(jira);
    expect((await post('/api/v1/hooks/jira', jb, { 'x-hub-signature': sign(SECRETS.jiraSecret, jb) })).status).toBe(403);
    expect(await TaskModel.countDocuments()).toBe(0);
  });

  it('an unsigned body is not even parsed: broken JSON without a signature is 401, not 400', async () => {
    expect((await post('/api/v1/hooks/github', '{"broken', { 'x-github-event': 'issues' })).status).toBe(401);
    expect((await post('/api/v1/hooks/jira', '{"broken', {})).status).toBe(401);
  });
});
