/**
 * What a tracker's webhook says about one of its issues, read from the payload: its identity in that
 * tracker, the values it has now, and a comment. Pure: no I/O. Unknown shapes give `ignored` with why.
 */

/** Where the issue stands in its tracker; `open` reopens a task that was done. */
export type TrackerState = 'open' | 'closed' | 'in_progress';

export interface TrackerEvent {
  /** `gitlab`, `github`, `jira`, or the generic format's own `source`. */
  source: string;
  /** `group/project#23`, `owner/repo#1`, `TEST-2`. */
  externalId: string;
  title: string;
  description?: string;
  state?: TrackerState;
  url?: string;
  /** A new comment: its author's name in the tracker and its text. */
  comment?: { author: string; text: string };
}

export type ReadEvent = { ok: true; event: TrackerEvent } | { ok: false; ignored: string };

/** A JSON object as received: every field is unknown until a guard below reads it. */
type Json = Readonly<Record<string, unknown>>;
const EMPTY: Json = Object.freeze({});
/** `v` when it is a JSON object (not an array), else an empty one, so absent levels read as `undefined`. */
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : EMPTY);
/** The object at `path` under `v` (empty when any level is missing or not an object). */
const at = (v: unknown, ...path: string[]): Json => path.reduce<Json>((o, k) => obj(o[k]), obj(v));
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const httpUrl = (v: unknown): string | undefined => (typeof v === 'string' && /^https?:\/\//.test(v) ? v.slice(0, 2000) : undefined);
function clip(s: string, n: number): string;
function clip(s: string | undefined, n: number): string | undefined;
function clip(s: string | undefined, n: number): string | undefined {
  return s === undefined ? undefined : s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** What we read of a GitLab `Issue Hook` / `Note Hook`; every field is as sent, or absent. */
interface GitlabHook {
  objectKind?: string;
  project?: string;
  attrs: {
    iid?: number;
    title?: string;
    description?: string;
    state?: unknown;
    url?: string;
    noteableType?: unknown;
    note?: string;
    action?: unknown;
  };
  /** The issue a note is on, when the payload has a truthy `issue`. */
  issue?: { iid?: number; title?: string };
  user: { name?: string; username?: string };
}

function parseGitlab(v: unknown): GitlabHook {
  const p = obj(v);
  const a = at(p, 'object_attributes');
  const issue = p.issue ? at(p, 'issue') : undefined;
  return {
    ...(typeof p.object_kind === 'string' ? { objectKind: p.object_kind } : {}),
    ...(str(at(p, 'project').path_with_namespace) ? { project: str(at(p, 'project').path_with_namespace) } : {}),
    attrs: {
      iid: num(a.iid),
      title: str(a.title),
      ...(typeof a.description === 'string' ? { description: a.description } : {}),
      state: a.state,
      url: httpUrl(a.url),
      noteableType: a.noteable_type,
      note: str(a.note),
      action: a.action,
    },
    ...(issue ? { issue: { iid: num(issue.iid), title: str(issue.title) } } : {}),
    user: { name: str(at(p, 'user').name), username: str(at(p, 'user').username) },
  };
}

/** A GitLab `Issue Hook` or a `Note Hook` on an issue. */
export function readGitlab(eventHeader: string | undefined, payload: unknown): ReadEvent {
  const h = parseGitlab(payload);
  const { project, attrs: a } = h;
  if (h.objectKind === 'issue' || h.objectKind === 'work_item') {
    if (!project || a.iid === undefined || !a.title) return { ok: false, ignored: 'issue without project, iid or title' };
    return {
      ok: true,
      event: {
        source: 'gitlab',
        externalId: `${project}#${a.iid}`,
        title: clip(a.title, 200),
        ...(a.description !== undefined ? { description: clip(a.description, 2000) } : {}),
        ...(a.state === 'closed' ? { state: 'closed' as const } : a.state === 'opened' ? { state: 'open' as const } : {}),
        ...(a.url ? { url: a.url } : {}),
      },
    };
  }
  if (h.objectKind === 'note' && a.noteableType === 'Issue' && h.issue) {
    const issue = h.issue;
    if (!project || issue.iid === undefined || !issue.title) return { ok: false, ignored: 'note without issue' };
    const text = a.note;
    return {
      ok: true,
      event: {
        source: 'gitlab',
        externalId: `${project}#${issue.iid}`,
        title: clip(issue.title, 200),
        ...(text && a.action !== 'update'
          ? { comment: { author: h.user.name ?? h.user.username ?? 'GitLab', text: clip(text, 1900) } }
          : {}),
      },
    };
  }
  return { ok: false, ignored: `${eventHeader ?? h.objectKind ?? 'unknown'} is not an issue event` };
}

/** What we read of a GitHub `issues` / `issue_comment` payload. */
interface GithubHook {
  action?: unknown;
  repo?: string;
  issue?: { number?: number; title?: string; body?: unknown; state?: unknown; htmlUrl?: string; isPullRequest: boolean };
  comment: { body?: string; login?: string };
}

function parseGithub(v: unknown): GithubHook {
  const p = obj(v);
  const i = p.issue ? at(p, 'issue') : undefined;
  const c = at(p, 'comment');
  return {
    action: p.action,
    repo: str(at(p, 'repository').full_name),
    ...(i
      ? {
          issue: {
            number: num(i.number),
            title: str(i.title),
            body: i.body,
            state: i.state,
            htmlUrl: httpUrl(i.html_url),
            isPullRequest: Boolean(i.pull_request),
          },
        }
      : {}),
    comment: { body: str(c.body), login: str(at(c, 'user').login) },
  };
}

/** GitHub `issues` and `issue_comment` (pull request comments are not tasks). */
export function readGithub(eventHeader: string | undefined, payload: unknown): ReadEvent {
  if (eventHeader !== 'issues' && eventHeader !== 'issue_comment')
    return { ok: false, ignored: `${eventHeader ?? 'unknown'} events are not read` };
  const h = parseGithub(payload);
  const { issue, repo } = h;
  if (!issue || !repo || issue.number === undefined || !issue.title) return { ok: false, ignored: 'no issue in the payload' };
  if (issue.isPullRequest) return { ok: false, ignored: 'a pull request, not an issue' };
  if (h.action === 'deleted' && eventHeader === 'issues') return { ok: false, ignored: 'deleted issues are kept' };
  const event: TrackerEvent = {
    source: 'github',
    externalId: `${repo}#${issue.number}`,
    title: clip(issue.title, 200),
    ...(typeof issue.body === 'string' ? { description: clip(issue.body, 2000) } : issue.body === null ? { description: '' } : {}),
    ...(issue.state === 'closed' ? { state: 'closed' as const } : issue.state === 'open' ? { state: 'open' as const } : {}),
    ...(issue.htmlUrl ? { url: issue.htmlUrl } : {}),
  };
  if (eventHeader === 'issue_comment' && h.action === 'created' && h.comment.body) {
    event.comment = { author: h.comment.login ?? 'GitHub', text: clip(h.comment.body, 1900) };
  }
  return { ok: true, event };
}

const JIRA_CATEGORY: Partial<Record<string, TrackerState>> = { new: 'open', indeterminate: 'in_progress', done: 'closed' };

/** What we read of a Jira `jira:issue_*` / `comment_created` payload. */
interface JiraHook {
  kind?: string;
  key?: string;
  summary?: string;
  description?: string;
  statusCategory?: string;
  self?: string;
  /** Lower-cased names of the fields the changelog lists. */
  changed: Set<string>;
  /** Whether the payload carries a `comment` at all (any truthy value). */
  hasComment: boolean;
  comment: { body?: string; author?: string };
}

function parseJira(v: unknown): JiraHook {
  const p = obj(v);
  const issue = at(p, 'issue');
  const fields = at(issue, 'fields');
  const items = at(p, 'changelog').items;
  const c = at(p, 'comment');
  return {
    kind: str(p.webhookEvent),
    key: str(issue.key),
    summary: str(fields.summary),
    ...(typeof fields.description === 'string' ? { description: fields.description } : {}),
    statusCategory: str(at(fields, 'status', 'statusCategory').key),
    self: str(issue.self),
    changed: new Set((Array.isArray(items) ? items : []).map((i) => jiraField(obj(i).field).toLowerCase())),
    hasComment: Boolean(p.comment),
    comment: { body: str(c.body), author: str(at(c, 'author').displayName) },
  };
}

/** A changelog item's `field` as text, the way `String()` wrote it: absent is empty. */
const jiraField = (f: unknown): string =>
  f === undefined || f === null ? '' : typeof f === 'string' ? f : typeof f === 'number' || typeof f === 'boolean' ? String(f) : '';

/** Jira `jira:issue_created` / `jira:issue_updated` (with its changelog) and `comment_created`. */
export function readJira(payload: unknown): ReadEvent {
  const h = parseJira(payload);
  const { kind, key } = h;
  if (kind !== 'jira:issue_updated' && kind !== 'jira:issue_created' && kind !== 'comment_created') {
    return { ok: false, ignored: `${kind ?? 'unknown'} is not read` };
  }
  if (!key || !h.summary) return { ok: false, ignored: 'no issue key or summary' };
  // The changelog names what changed; the issue's fields say what it is now.
  const state = h.statusCategory ? JIRA_CATEGORY[h.statusCategory] : undefined;
  const event: TrackerEvent = {
    source: 'jira',
    externalId: key,
    title: clip(h.summary, 200),
    ...(h.description !== undefined && (kind === 'jira:issue_created' || h.changed.has('description'))
      ? { description: clip(h.description, 2000) }
      : {}),
    ...(state && (kind === 'jira:issue_created' || h.changed.has('status')) ? { state } : {}),
    ...(h.self ? { url: `${new URL(h.self).origin}/browse/${key}` } : {}),
  };
  if ((kind === 'comment_created' || h.hasComment) && h.comment.body) {
    event.comment = { author: h.comment.author ?? 'Jira', text: clip(h.comment.body, 1900) };
  }
  return { ok: true, event };
}

const STATES: readonly unknown[] = ['open', 'closed', 'in_progress'] satisfies TrackerState[];
const isState = (v: unknown): v is TrackerState => STATES.includes(v);

/**
 * The generic format (see README, "HTTP API" → "Webhooks"): `{ source, externalId, title, description?,
 * state?: "open"|"in_progress"|"closed", url?, comment?: { author, text } }`.
 */
/** Sources whose events come only through their own signed receiver. */
export const SIGNED_SOURCES: ReadonlySet<string> = new Set(['gitlab', 'github', 'jira']);

export function readGeneric(payload: unknown): ReadEvent {
  const p = obj(payload);
  const source = str(p.source);
  const externalId = str(p.externalId);
  const title = str(p.title);
  if (!source || !/^[a-z0-9][a-z0-9_.-]{0,39}$/.test(source)) return { ok: false, ignored: 'source must be 1–40 of a-z 0-9 _ . -' };
  // The trackers with a receiver of their own speak only through it, where their signature is checked.
  if (SIGNED_SOURCES.has(source)) {
    return { ok: false, ignored: `source "${source}" has its own receiver (/api/v1/hooks/${source}); the generic one cannot speak for it` };
  }
  if (!externalId || externalId.length > 200) return { ok: false, ignored: 'externalId is required (at most 200 characters)' };
  if (!title) return { ok: false, ignored: 'title is required' };
  const state = isState(p.state) ? p.state : undefined;
  if (p.state !== undefined && !state) return { ok: false, ignored: 'state must be open, in_progress or closed' };
  const url = httpUrl(p.url);
  const comment = at(p, 'comment');
  const text = str(comment.text);
  return {
    ok: true,
    event: {
      source,
      externalId,
      title: clip(title, 200),
      ...(typeof p.description === 'string' ? { description: clip(p.description, 2000) } : {}),
      ...(state ? { state } : {}),
      ...(url ? { url } : {}),
      ...(text ? { comment: { author: str(comment.author) ?? source, text: clip(text, 1900) } } : {}),
    },
  };
}
