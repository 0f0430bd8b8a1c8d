/**
 * What a tracker's webhook says about one of its issues, read from the payload: its identity in that
 * tracker, the values it has now, and a comment. Pure: no I/O. Unknown shapes give `ignored` with why.
 */

/** Where the issue stands in its tracker; `open` reopens a task that was done. */
export type TrackerState = 'open' | 'closed' | 'in_progress';

export interface TrackerEvent {
  source: 'gitlab' | 'github' | 'jira' | string;
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

type J = Record<string, any>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);
const httpUrl = (v: unknown): string | undefined => (typeof v === 'string' && /^https?:\/\//.test(v) ? v.slice(0, 2000) : undefined);
const clip = (s: string | undefined, n: number) => (s === undefined ? undefined : s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A GitLab `Issue Hook` or a `Note Hook` on an issue. */
export function readGitlab(eventHeader: string | undefined, p: J): ReadEvent {
  const project = str(p?.project?.path_with_namespace);
  if (p?.object_kind === 'issue' || p?.object_kind === 'work_item') {
    const a = p.object_attributes ?? {};
    if (!project || typeof a.iid !== 'number' || !str(a.title)) return { ok: false, ignored: 'issue without project, iid or title' };
    return {
      ok: true,
      event: {
        source: 'gitlab',
        externalId: `${project}#${a.iid}`,
        title: clip(a.title, 200)!,
        ...(typeof a.description === 'string' ? { description: clip(a.description, 2000)! } : {}),
        ...(a.state === 'closed' ? { state: 'closed' as const } : a.state === 'opened' ? { state: 'open' as const } : {}),
        ...(httpUrl(a.url) ? { url: httpUrl(a.url)! } : {}),
      },
    };
  }
  if (p?.object_kind === 'note' && p.object_attributes?.noteable_type === 'Issue' && p.issue) {
    const issue = p.issue;
    if (!project || typeof issue.iid !== 'number' || !str(issue.title)) return { ok: false, ignored: 'note without issue' };
    const text = str(p.object_attributes.note);
    return {
      ok: true,
      event: {
        source: 'gitlab',
        externalId: `${project}#${issue.iid}`,
        title: clip(issue.title, 200)!,
        ...(text && p.object_attributes.action !== 'update'
          ? { comment: { author: str(p.user?.name) ?? str(p.user?.username) ?? 'GitLab', text: clip(text, 1900)! } }
          : {}),
      },
    };
  }
  return { ok: false, ignored: `${eventHeader ?? p?.object_kind ?? 'unknown'} is not an issue event` };
}

/** GitHub `issues` and `issue_comment` (pull request comments are not tasks). */
export function readGithub(eventHeader: string | undefined, p: J): ReadEvent {
  if (eventHeader !== 'issues' && eventHeader !== 'issue_comment')
    return { ok: false, ignored: `${eventHeader ?? 'unknown'} events are not read` };
  const issue = p?.issue;
  const repo = str(p?.repository?.full_name);
  if (!issue || !repo || typeof issue.number !== 'number' || !str(issue.title)) return { ok: false, ignored: 'no issue in the payload' };
  if (issue.pull_request) return { ok: false, ignored: 'a pull request, not an issue' };
  if (p.action === 'deleted' && eventHeader === 'issues') return { ok: false, ignored: 'deleted issues are kept' };
  const event: TrackerEvent = {
    source: 'github',
    externalId: `${repo}#${issue.number}`,
    title: clip(issue.title, 200)!,
    ...(typeof issue.body === 'string' ? { description: clip(issue.body, 2000)! } : issue.body === null ? { description: '' } : {}),
    ...(issue.state === 'closed' ? { state: 'closed' as const } : issue.state === 'open' ? { state: 'open' as const } : {}),
    ...(httpUrl(issue.html_url) ? { url: httpUrl(issue.html_url)! } : {}),
  };
  if (eventHeader === 'issue_comment' && p.action === 'created' && str(p.comment?.body)) {
    event.comment = { author: str(p.comment?.user?.login) ?? 'GitHub', text: clip(p.comment.body, 1900)! };
  }
  return { ok: true, event };
}

const JIRA_CATEGORY: Record<string, TrackerState> = { new: 'open', indeterminate: 'in_progress', done: 'closed' };

/** Jira `jira:issue_created` / `jira:issue_updated` (with its changelog) and `comment_created`. */
export function readJira(p: J): ReadEvent {
  const kind = str(p?.webhookEvent);
  if (kind !== 'jira:issue_updated' && kind !== 'jira:issue_created' && kind !== 'comment_created') {
    return { ok: false, ignored: `${kind ?? 'unknown'} is not read` };
  }
  const issue = p.issue;
  const key = str(issue?.key);
  const fields = issue?.fields ?? {};
  if (!key || !str(fields.summary)) return { ok: false, ignored: 'no issue key or summary' };
  // The changelog names what changed; the issue's fields say what it is now.
  const changed = new Set<string>((p.changelog?.items ?? []).map((i: J) => String(i?.field ?? '').toLowerCase()));
  const category = str(fields.status?.statusCategory?.key);
  const self = str(issue.self);
  const event: TrackerEvent = {
    source: 'jira',
    externalId: key,
    title: clip(fields.summary, 200)!,
    ...(typeof fields.description === 'string' && (kind === 'jira:issue_created' || changed.has('description'))
      ? { description: clip(fields.description, 2000)! }
      : {}),
    ...(category && JIRA_CATEGORY[category] && (kind === 'jira:issue_created' || changed.has('status'))
      ? { state: JIRA_CATEGORY[category] }
      : {}),
    ...(self ? { url: `${new URL(self).origin}/browse/${key}` } : {}),
  };
  const comment = p.comment;
  if (kind === 'comment_created' || (comment && str(comment.body))) {
    if (str(comment?.body)) event.comment = { author: str(comment.author?.displayName) ?? 'Jira', text: clip(comment.body, 1900)! };
  }
  return { ok: true, event };
}

/**
 * The generic format (see README, "HTTP API" → "Webhooks"): `{ source, externalId, title, description?,
 * state?: "open"|"in_progress"|"closed", url?, comment?: { author, text } }`.
 */
export function readGeneric(p: J): ReadEvent {
  const source = str(p?.source);
  const externalId = str(p?.externalId);
  const title = str(p?.title);
  if (!source || !/^[a-z0-9][a-z0-9_.-]{0,39}$/.test(source)) return { ok: false, ignored: 'source must be 1–40 of a-z 0-9 _ . -' };
  if (!externalId || externalId.length > 200) return { ok: false, ignored: 'externalId is required (at most 200 characters)' };
  if (!title) return { ok: false, ignored: 'title is required' };
  const state = p.state === 'open' || p.state === 'closed' || p.state === 'in_progress' ? (p.state as TrackerState) : undefined;
  if (p.state !== undefined && !state) return { ok: false, ignored: 'state must be open, in_progress or closed' };
  return {
    ok: true,
    event: {
      source,
      externalId,
      title: clip(title, 200)!,
      ...(typeof p.description === 'string' ? { description: clip(p.description, 2000)! } : {}),
      ...(state ? { state } : {}),
      ...(httpUrl(p.url) ? { url: httpUrl(p.url)! } : {}),
      ...(str(p.comment?.text) ? { comment: { author: str(p.comment.author) ?? source, text: clip(p.comment.text, 1900)! } } : {}),
    },
  };
}
