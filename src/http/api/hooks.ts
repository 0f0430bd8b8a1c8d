/**
 * Tracker webhooks under `/api/v1/hooks`: GitLab (`X-Gitlab-Token`), GitHub (`X-Hub-Signature-256`, HMAC
 * of the body), Jira (`X-Hub-Signature`, HMAC of the body, as Jira Cloud sends with a secret) and a generic
 * JSON format (a write token). A receiver whose secret is not set answers 404. Secrets are compared in
 * constant time; the body (at most 1 MB) is read as bytes, and parsed only once its token or signature
 * holds. A delivery the tracker sends again (the same `X-GitHub-Delivery`, `X-Gitlab-Event-UUID`, or Jira's
 * `X-Atlassian-Webhook-Identifier`) is answered as received and changes nothing, for a day. Each secret is
 * bound to the projects or repositories it may speak for (`GITHUB_WEBHOOK_REPOS` …): an event about any
 * other is refused with 403, and the generic receiver cannot speak as one of these trackers.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import { readGeneric, readGithub, readGitlab, readJira, type ReadEvent } from '../../domain/tracker-events.js';
import { parseScopes, scopeAllowed, trackerScope } from '../../domain/tracker-scope.js';
import { FieldError } from '../../services/api-tasks.js';
import { UserError } from '../../domain/errors.js';
import { applyTrackerDelivery } from '../../services/tracker-sync.js';
import { authenticate, type TokenRateLimiter } from './auth.js';
import { ApiProblem, fromUserError, languageOf } from './problem.js';
import { problems } from './schemas.js';

export interface HookSecrets {
  /** GITLAB_WEBHOOK_TOKEN: the "Secret token" of the GitLab webhook. */
  gitlabToken?: string;
  /** GITHUB_WEBHOOK_SECRET: the "Secret" of the GitHub webhook. */
  githubSecret?: string;
  /** JIRA_WEBHOOK_SECRET: the "Secret" of the Jira (Cloud) webhook. */
  jiraSecret?: string;
  /** What each may speak for (lower case; `*`: any): GITLAB_WEBHOOK_PROJECTS, GITHUB_WEBHOOK_REPOS, JIRA_WEBHOOK_PROJECTS. */
  gitlabProjects?: readonly string[];
  githubRepos?: readonly string[];
  jiraProjects?: readonly string[];
}

/** The receivers' secrets and what each may speak for, from the configuration (loadConfig insists on both). */
export function hookSecretsFrom(config: Config): HookSecrets {
  const list = (v: string | undefined) => parseScopes(v ?? '');
  return {
    ...(config.GITLAB_WEBHOOK_TOKEN
      ? { gitlabToken: config.GITLAB_WEBHOOK_TOKEN, gitlabProjects: list(config.GITLAB_WEBHOOK_PROJECTS) }
      : {}),
    ...(config.GITHUB_WEBHOOK_SECRET ? { githubSecret: config.GITHUB_WEBHOOK_SECRET, githubRepos: list(config.GITHUB_WEBHOOK_REPOS) } : {}),
    ...(config.JIRA_WEBHOOK_SECRET ? { jiraSecret: config.JIRA_WEBHOOK_SECRET, jiraProjects: list(config.JIRA_WEBHOOK_PROJECTS) } : {}),
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function signatureOk(header: unknown, secret: string, body: Buffer): boolean {
  if (typeof header !== 'string') return false;
  return equal(header, `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
}

const HookResult = Type.Object({
  task: Type.Optional(Type.Integer()),
  created: Type.Optional(Type.Boolean()),
  changes: Type.Optional(Type.Integer({ description: 'How many Changes the event made' })),
  ignored: Type.Optional(Type.String({ description: 'Why the event changed nothing' })),
});

/** The body as JSON, parsed only after the caller is known: GitHub may send it form-encoded (`payload=…`). */
function parseBody(req: FastifyRequest): unknown {
  const text = (req.rawBody ?? Buffer.alloc(0)).toString('utf8');
  const json = /^application\/x-www-form-urlencoded/.test(String(req.headers['content-type']))
    ? (new URLSearchParams(text).get('payload') ?? '')
    : text;
  try {
    return JSON.parse(json);
  } catch {
    throw new ApiProblem(400, 'json_invalid', 'The body is not valid JSON.');
  }
}

/** The tracker's id of this delivery (the same on its redeliveries), or undefined when it sends none. */
function deliveryId(req: FastifyRequest, header: string): string | undefined {
  const v = req.headers[header];
  return typeof v === 'string' && /^[\w.:-]{1,128}$/.test(v) ? v : undefined;
}

export function registerHooks(app: FastifyInstance, opts: { secrets: HookSecrets; timezone: string; limiter: TokenRateLimiter }): void {
  app.removeAllContentTypeParsers();
  // Bytes only: nothing of a body is parsed before its signature (or token) is checked.
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    done(null, undefined);
  });

  /**
   * Applies the event once per tracker delivery (a redelivery is answered as received, see
   * applyTrackerDelivery), if the secret that signed it may speak for its project (`bound`).
   */
  const run = async (req: FastifyRequest, read: ReadEvent, delivery?: string, bound?: { allowed: readonly string[]; env: string }) => {
    if (!read.ok) return { ignored: read.ignored };
    const scope = trackerScope(read.event);
    if (bound && !scopeAllowed(bound.allowed, scope)) {
      throw new ApiProblem(
        403,
        'hook_scope_denied',
        `This webhook's secret may speak for ${bound.allowed.join(', ') || 'nothing'}, not for "${scope}". Add it to ${bound.env} to accept its events.`,
      );
    }
    try {
      const r = await applyTrackerDelivery(read.event, opts.timezone, delivery);
      if (!r) return { ignored: 'already received: this delivery was applied before' };
      return { task: r.task, created: r.created, changes: r.changes.length };
    } catch (err) {
      if (err instanceof FieldError) throw fromUserError(err.error, languageOf(req), `/${err.field}`);
      if (err instanceof UserError) throw fromUserError(err, languageOf(req));
      throw err;
    }
  };
  const idOf = (req: FastifyRequest, source: string, header: string) => {
    const id = deliveryId(req, header);
    return id ? `${source}:${id}` : undefined;
  };
  const notConfigured = (name: string, env: string) =>
    new ApiProblem(404, 'hook_not_configured', `The ${name} receiver is off: set ${env} to the webhook's secret and restart.`);
  const schema = (summary: string, description: string) => ({
    summary,
    description,
    tags: ['webhooks'],
    response: { 200: HookResult, ...problems(400, 401, 403, 404, 413, 415, 422) },
  });

  app.post(
    '/gitlab',
    {
      schema: schema(
        'GitLab issue and comment events',
        'Set the webhook\'s "Secret token" to GITLAB_WEBHOOK_TOKEN; it comes back as X-Gitlab-Token.',
      ),
    },
    async (req) => {
      const secret = opts.secrets.gitlabToken;
      if (!secret) throw notConfigured('GitLab', 'GITLAB_WEBHOOK_TOKEN');
      const token = req.headers['x-gitlab-token'];
      if (typeof token !== 'string' || !equal(token, secret))
        throw new ApiProblem(401, 'unauthorized', 'X-Gitlab-Token is missing or wrong.');
      return run(
        req,
        readGitlab(req.headers['x-gitlab-event'] as string | undefined, parseBody(req)),
        idOf(req, 'gitlab', 'x-gitlab-event-uuid'),
        { allowed: opts.secrets.gitlabProjects ?? [], env: 'GITLAB_WEBHOOK_PROJECTS' },
      );
    },
  );

  app.post(
    '/github',
    {
      schema: schema(
        'GitHub issues and issue_comment events',
        'Set the webhook\'s "Secret" to GITHUB_WEBHOOK_SECRET; X-Hub-Signature-256 is checked.',
      ),
    },
    async (req) => {
      const secret = opts.secrets.githubSecret;
      if (!secret) throw notConfigured('GitHub', 'GITHUB_WEBHOOK_SECRET');
      if (!signatureOk(req.headers['x-hub-signature-256'], secret, req.rawBody ?? Buffer.alloc(0))) {
        throw new ApiProblem(401, 'unauthorized', 'X-Hub-Signature-256 is missing or does not match the body.');
      }
      const event = req.headers['x-github-event'] as string | undefined;
      if (event === 'ping') return { ignored: 'ping' };
      return run(req, readGithub(event, parseBody(req)), idOf(req, 'github', 'x-github-delivery'), {
        allowed: opts.secrets.githubRepos ?? [],
        env: 'GITHUB_WEBHOOK_REPOS',
      });
    },
  );

  app.post(
    '/jira',
    {
      schema: schema(
        'Jira issue events (jira:issue_updated with its changelog)',
        'Set the webhook\'s "Secret" to JIRA_WEBHOOK_SECRET; X-Hub-Signature is checked.',
      ),
    },
    async (req) => {
      const secret = opts.secrets.jiraSecret;
      if (!secret) throw notConfigured('Jira', 'JIRA_WEBHOOK_SECRET');
      if (!signatureOk(req.headers['x-hub-signature'], secret, req.rawBody ?? Buffer.alloc(0))) {
        throw new ApiProblem(401, 'unauthorized', 'X-Hub-Signature is missing or does not match the body.');
      }
      return run(req, readJira(parseBody(req)), idOf(req, 'jira', 'x-atlassian-webhook-identifier'), {
        allowed: opts.secrets.jiraProjects ?? [],
        env: 'JIRA_WEBHOOK_PROJECTS',
      });
    },
  );

  app.register((generic) => {
    generic.addHook('onRequest', authenticate(opts.limiter));
    generic.post(
      '/generic',
      {
        schema: {
          ...schema("Any tracker, in taskwatch's generic format", 'A write token (Bearer). See the README for the format.'),
          security: [{ bearerAuth: [] }],
        },
      },
      async (req) => {
        const read = readGeneric(parseBody(req));
        if (!read.ok) throw new ApiProblem(422, 'validation_failed', read.ignored, [{ pointer: '/', detail: read.ignored }]);
        return run(req, read);
      },
    );
  });
}
