/**
 * What a tracker's webhook says about an issue, read from the documented payload examples
 * (test/fixtures/trackers) and from variants of them that change only the fields a test names.
 */
import { readFileSync } from 'node:fs';
import { readGeneric, readGithub, readGitlab, readJira, type ReadEvent, type TrackerEvent } from '../../src/domain/tracker-events.js';

type Payload = Record<string, unknown> & {
  object_attributes?: Record<string, unknown>;
  issue?: Record<string, unknown> & { fields?: Record<string, unknown> };
  comment?: Record<string, unknown>;
};
const fixture = (name: string): Payload =>
  JSON.parse(readFileSync(new URL(`../fixtures/trackers/${name}`, import.meta.url), 'utf8')) as Payload;

/** The event of a payload that must be read. */
function eventOf(read: ReadEvent): TrackerEvent {
  if (!read.ok) throw new Error(`ignored: ${read.ignored}`);
  return read.event;
}
const ignoredOf = (read: ReadEvent) => (read.ok ? undefined : read.ignored);

describe('GitLab', () => {
  const issueHook = () => fixture('gitlab-issue-hook.json');
  const noteOn = (note: Record<string, unknown>, user: Record<string, unknown> = { name: 'Ivan Petrov', username: 'ivan' }) => ({
    object_kind: 'note',
    project: { path_with_namespace: 'gitlabhq/gitlab-test' },
    object_attributes: { noteable_type: 'Issue', note: 'Fixed on staging', action: 'create', ...note },
    issue: { iid: 23, title: 'New API: create/update/delete file' },
    user,
  });

  it('reads an issue event: its project and number, title, description, state and link', () => {
    expect(eventOf(readGitlab('Issue Hook', issueHook()))).toEqual({
      source: 'gitlab',
      externalId: 'gitlabhq/gitlab-test#23',
      title: 'New API: create/update/delete file',
      description: 'Create new API for manipulations with repository',
      state: 'open',
      url: 'http://example.com/diaspora/issues/23',
    });
  });

  it('reads a closed issue as closed, a work item as an issue, and a state it does not know as no state', () => {
    const closed = issueHook();
    closed.object_attributes!.state = 'closed';
    expect(eventOf(readGitlab('Issue Hook', closed)).state).toBe('closed');
    const workItem = { ...issueHook(), object_kind: 'work_item' };
    expect(eventOf(readGitlab('Issue Hook', workItem)).externalId).toBe('gitlabhq/gitlab-test#23');
    const locked = issueHook();
    locked.object_attributes!.state = 'locked';
    expect(eventOf(readGitlab('Issue Hook', locked))).not.toHaveProperty('state');
  });

  it('keeps no link that is not http(s), and no description that is not text', () => {
    const p = issueHook();
    p.object_attributes!.url = 'javascript:alert(1)';
    p.object_attributes!.description = { html: '<b>x</b>' };
    const event = eventOf(readGitlab('Issue Hook', p));
    expect(event).not.toHaveProperty('url');
    expect(event).not.toHaveProperty('description');
  });

  it('ignores an issue event without its project, number or title, saying so', () => {
    for (const broken of [
      { ...issueHook(), project: {} },
      { ...issueHook(), object_attributes: { ...issueHook().object_attributes, iid: '23' } },
      { ...issueHook(), object_attributes: { ...issueHook().object_attributes, title: '  ' } },
    ]) {
      expect(ignoredOf(readGitlab('Issue Hook', broken))).toBe('issue without project, iid or title');
    }
  });

  it('reads a new comment on an issue with its author, by name, else username, else "GitLab"', () => {
    expect(eventOf(readGitlab('Note Hook', noteOn({})))).toEqual({
      source: 'gitlab',
      externalId: 'gitlabhq/gitlab-test#23',
      title: 'New API: create/update/delete file',
      comment: { author: 'Ivan Petrov', text: 'Fixed on staging' },
    });
    expect(eventOf(readGitlab('Note Hook', noteOn({}, { username: 'ivan' }))).comment?.author).toBe('ivan');
    expect(eventOf(readGitlab('Note Hook', noteOn({}, {}))).comment?.author).toBe('GitLab');
  });

  it('reads an edited comment as the issue alone: an edit is not a new comment', () => {
    expect(eventOf(readGitlab('Note Hook', noteOn({ action: 'update' })))).not.toHaveProperty('comment');
  });

  it('ignores comments on merge requests and notes whose issue is incomplete', () => {
    expect(ignoredOf(readGitlab('Note Hook', noteOn({ noteable_type: 'MergeRequest' })))).toBe('Note Hook is not an issue event');
    expect(ignoredOf(readGitlab('Note Hook', { ...noteOn({}), issue: { iid: 23 } }))).toBe('note without issue');
    expect(ignoredOf(readGitlab('Note Hook', { ...noteOn({}), project: undefined }))).toBe('note without issue');
    expect(ignoredOf(readGitlab('Note Hook', { ...noteOn({}), issue: { title: 'x' } }))).toBe('note without issue');
  });

  it('names what it ignores by the event header, else the object kind', () => {
    expect(ignoredOf(readGitlab('Push Hook', { object_kind: 'push' }))).toBe('Push Hook is not an issue event');
    expect(ignoredOf(readGitlab(undefined, { object_kind: 'push' }))).toBe('push is not an issue event');
    expect(ignoredOf(readGitlab(undefined, [1, 2]))).toBe('unknown is not an issue event');
  });

  it('clips a title to 200 characters, a description to 2000 and a comment to 1900, each ending in "…"', () => {
    const p = issueHook();
    p.object_attributes!.title = 't'.repeat(201);
    p.object_attributes!.description = 'd'.repeat(2001);
    const event = eventOf(readGitlab('Issue Hook', p));
    expect(event.title).toBe(`${'t'.repeat(199)}…`);
    expect(event.description).toBe(`${'d'.repeat(1999)}…`);
    const atLimit = issueHook();
    atLimit.object_attributes!.title = 't'.repeat(200);
    expect(eventOf(readGitlab('Issue Hook', atLimit)).title).toBe('t'.repeat(200));
    expect(eventOf(readGitlab('Note Hook', noteOn({ note: 'n'.repeat(1901) }))).comment?.text).toBe(`${'n'.repeat(1899)}…`);
  });
});

describe('GitHub', () => {
  const spelling = {
    source: 'github',
    externalId: 'Codertocat/Hello-World#1',
    title: 'Spelling error in the README file',
    description: "It looks like you accidently spelled 'commit' with two 't's.",
    state: 'open',
    url: 'https://github.com/Codertocat/Hello-World/issues/1',
  };

  it('reads an opened issue: repository and number, title, body, state and link', () => {
    expect(eventOf(readGithub('issues', fixture('github-issues-opened.json')))).toEqual(spelling);
  });

  it('reads a new comment with its author; an edited one as the issue alone', () => {
    const created = fixture('github-issue-comment-created.json');
    expect(eventOf(readGithub('issue_comment', created))).toEqual({
      ...spelling,
      comment: { author: 'Codertocat', text: "You are totally right! I'll get this fixed right away." },
    });
    expect(eventOf(readGithub('issue_comment', { ...created, action: 'edited' }))).toEqual(spelling);
    const anonymous = { ...created, comment: { body: 'Thanks' } };
    expect(eventOf(readGithub('issue_comment', anonymous)).comment).toEqual({ author: 'GitHub', text: 'Thanks' });
  });

  it('reads a closed issue as closed, an emptied body as an empty description, and no body as none', () => {
    const p = fixture('github-issues-edited.json');
    const closed = { ...p, issue: { ...p.issue, state: 'closed', body: null } };
    expect(eventOf(readGithub('issues', closed))).toMatchObject({ state: 'closed', description: '' });
    const bodiless = { ...p, issue: { ...p.issue, body: undefined, state: 'unknown' } };
    const event = eventOf(readGithub('issues', bodiless));
    expect(event).not.toHaveProperty('description');
    expect(event).not.toHaveProperty('state');
  });

  it('ignores pull requests, deleted issues, other events and payloads without an issue', () => {
    const p = fixture('github-issues-opened.json');
    expect(ignoredOf(readGithub('issues', { ...p, issue: { ...p.issue, pull_request: { url: 'x' } } }))).toBe(
      'a pull request, not an issue',
    );
    expect(ignoredOf(readGithub('issues', { ...p, action: 'deleted' }))).toBe('deleted issues are kept');
    expect(ignoredOf(readGithub('push', p))).toBe('push events are not read');
    expect(ignoredOf(readGithub(undefined, p))).toBe('unknown events are not read');
    expect(ignoredOf(readGithub('issues', { ...p, issue: undefined }))).toBe('no issue in the payload');
    expect(ignoredOf(readGithub('issues', { ...p, repository: {} }))).toBe('no issue in the payload');
    expect(ignoredOf(readGithub('issues', { ...p, issue: { ...p.issue, number: '1' } }))).toBe('no issue in the payload');
    expect(ignoredOf(readGithub('issues', { ...p, issue: { ...p.issue, title: '' } }))).toBe('no issue in the payload');
  });

  it('still reads a comment deleted from an issue as the issue, without the comment', () => {
    const created = fixture('github-issue-comment-created.json');
    expect(eventOf(readGithub('issue_comment', { ...created, action: 'deleted' }))).toEqual(spelling);
  });
});

describe('Jira', () => {
  const updated = () => fixture('jira-issue-updated.json');

  it('reads an update by its changelog: the new status, the link to the issue, no description it did not change', () => {
    expect(eventOf(readJira(updated()))).toEqual({
      source: 'jira',
      externalId: 'TEST-2',
      title: 'A new summary.',
      state: 'in_progress',
      url: 'https://example.atlassian.net/browse/TEST-2',
    });
  });

  it('reads a created issue whole: its description and its state, whatever a changelog says', () => {
    const created = { ...updated(), webhookEvent: 'jira:issue_created', changelog: undefined };
    expect(eventOf(readJira(created))).toMatchObject({ description: 'Users cannot log in after the upgrade.', state: 'in_progress' });
  });

  it('takes the description and status of an update when its changelog names them, in any case', () => {
    const p = updated();
    p.changelog = { items: [{ field: 'Description' }, { field: 'Status' }] };
    p.issue!.fields!.status = { statusCategory: { key: 'done' } };
    expect(eventOf(readJira(p))).toMatchObject({ description: 'Users cannot log in after the upgrade.', state: 'closed' });
    p.issue!.fields!.status = { statusCategory: { key: 'new' } };
    expect(eventOf(readJira(p)).state).toBe('open');
    p.issue!.fields!.status = { statusCategory: { key: 'undefined' } };
    expect(eventOf(readJira(p))).not.toHaveProperty('state');
  });

  it('reads no state or description from an update whose changelog is missing or names other fields', () => {
    for (const changelog of [undefined, { items: 'status' }, { items: [{ field: 7 }, { field: null }, { field: true }] }]) {
      const p = { ...updated(), changelog };
      const event = eventOf(readJira(p));
      expect(event).not.toHaveProperty('state');
      expect(event).not.toHaveProperty('description');
    }
  });

  it('reads a new comment with its author, else "Jira"', () => {
    const p = { ...updated(), webhookEvent: 'comment_created', comment: { body: 'Deployed', author: { displayName: 'Test User' } } };
    expect(eventOf(readJira(p)).comment).toEqual({ author: 'Test User', text: 'Deployed' });
    expect(eventOf(readJira({ ...p, comment: { body: 'Deployed' } })).comment).toEqual({ author: 'Jira', text: 'Deployed' });
    // An update that carries a comment (Jira sends one with a transition's comment) keeps it too.
    expect(eventOf(readJira({ ...updated(), comment: { body: 'Moving on' } })).comment?.text).toBe('Moving on');
    expect(eventOf(readJira({ ...p, comment: { body: '' } }))).not.toHaveProperty('comment');
  });

  it('ignores other events and issues without a key or summary, saying which', () => {
    expect(ignoredOf(readJira({ ...updated(), webhookEvent: 'jira:issue_deleted' }))).toBe('jira:issue_deleted is not read');
    expect(ignoredOf(readJira({ ...updated(), webhookEvent: undefined }))).toBe('unknown is not read');
    expect(ignoredOf(readJira({ ...updated(), issue: { ...updated().issue, key: '' } }))).toBe('no issue key or summary');
    const untitled = updated();
    delete untitled.issue!.fields!.summary;
    expect(ignoredOf(readJira(untitled))).toBe('no issue key or summary');
  });

  it('gives no link when the issue has no address', () => {
    const p = updated();
    delete p.issue!.self;
    expect(eventOf(readJira(p))).not.toHaveProperty('url');
  });
});

describe('the generic format', () => {
  const full = {
    source: 'helpdesk',
    externalId: 'HD-1042',
    title: 'Printer on floor 3',
    description: 'Paper jam',
    state: 'in_progress',
    url: 'https://helpdesk.example.org/1042',
    comment: { author: 'Olga', text: 'Technician called' },
  };

  it('reads every field as sent', () => {
    expect(eventOf(readGeneric(full))).toEqual(full);
  });

  it('needs only source, externalId and title; a comment without author is the source', () => {
    expect(eventOf(readGeneric({ source: 'helpdesk', externalId: 'HD-1', title: 'T' }))).toEqual({
      source: 'helpdesk',
      externalId: 'HD-1',
      title: 'T',
    });
    expect(eventOf(readGeneric({ ...full, comment: { text: 'Done' } })).comment).toEqual({ author: 'helpdesk', text: 'Done' });
    expect(eventOf(readGeneric({ ...full, url: 'ftp://x', comment: { author: 'Olga' } }))).toEqual({
      ...full,
      url: undefined,
      comment: undefined,
    });
  });

  it.each([
    [{ source: 'Helpdesk' }, 'source must be 1–40 of a-z 0-9 _ . -'],
    [{ source: '-desk' }, 'source must be 1–40 of a-z 0-9 _ . -'],
    [{ source: 'a'.repeat(41) }, 'source must be 1–40 of a-z 0-9 _ . -'],
    [{ source: undefined }, 'source must be 1–40 of a-z 0-9 _ . -'],
    [{ externalId: '' }, 'externalId is required (at most 200 characters)'],
    [{ externalId: 'x'.repeat(201) }, 'externalId is required (at most 200 characters)'],
    [{ title: ' ' }, 'title is required'],
    [{ state: 'reopened' }, 'state must be open, in_progress or closed'],
    [{ state: null }, 'state must be open, in_progress or closed'],
  ])('refuses %j: %s', (change, why) => {
    expect(ignoredOf(readGeneric({ ...full, ...change }))).toBe(why);
  });

  it('takes a source of 40 characters and an externalId of 200', () => {
    const event = eventOf(readGeneric({ ...full, source: `a${'.'.repeat(39)}`, externalId: 'x'.repeat(200) }));
    expect(event.source).toHaveLength(40);
    expect(event.externalId).toHaveLength(200);
  });

  it('refuses what is not an object', () => {
    expect(ignoredOf(readGeneric(null))).toBe('source must be 1–40 of a-z 0-9 _ . -');
    expect(ignoredOf(readGeneric('helpdesk'))).toBe('source must be 1–40 of a-z 0-9 _ . -');
  });
});
