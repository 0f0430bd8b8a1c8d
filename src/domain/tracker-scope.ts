/** Which project a tracker's event is about, and whether a webhook secret may speak for it. Pure. */
import type { TrackerEvent } from './tracker-events.js';

/**
 * What a tracker's event speaks for, as a webhook secret is bound to it: the GitLab project path
 * (`group/project`), the GitHub repository (`owner/repo`), the Jira project key (`TEST`); lower case.
 */
export function trackerScope(e: Pick<TrackerEvent, 'source' | 'externalId'>): string {
  const id = e.externalId;
  const cut = e.source === 'jira' ? id.lastIndexOf('-') : id.lastIndexOf('#');
  return (cut > 0 ? id.slice(0, cut) : id).toLowerCase();
}

/** A list of scopes as configured (`acme/api, acme/web`; `*`: any), lower case, empty items dropped. */
export function parseScopes(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** Whether `scope` is one of `allowed` (or `allowed` has `*`). */
export function scopeAllowed(allowed: readonly string[], scope: string): boolean {
  return allowed.includes('*') || allowed.includes(scope.toLowerCase());
}
