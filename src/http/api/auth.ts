/**
 * Who is calling: `Authorization: Bearer <token>` (made by an admin with `/api new`). Checked before the
 * body is read; then the token's scope (read: GET/HEAD only) and its rate limit.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkApiToken, type ApiScope } from '../../services/api-tokens.js';
import type { Viewer } from '../../services/access.js';
import type { PersonDoc } from '../../db/models/index.js';
import { ApiProblem } from './problem.js';
import { WindowLimiter } from '../../db/shared-limits.js';
import { databaseSlots } from '../../db/slots.js';

export interface ApiCaller {
  tokenId: string;
  tokenName: string;
  scope: ApiScope;
  /** The admin who made the token: changes are recorded as theirs. */
  admin: PersonDoc;
  viewer: Viewer;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: ApiCaller;
  }
}

/** The caller of an authenticated route (set by {@link authenticate}). */
export function callerOf(req: FastifyRequest): ApiCaller {
  if (!req.caller) throw new Error('route without authentication');
  return req.caller;
}

/**
 * Requests a minute per token, in fixed one-minute windows, for the whole deployment (every process that
 * serves the API counts in the same database slots).
 */
export class TokenRateLimiter {
  private readonly limiter: WindowLimiter;
  constructor(perMinute: number, now: () => number = Date.now) {
    this.limiter = new WindowLimiter('api', perMinute, 60_000, databaseSlots, now);
  }

  /** 0 when the request may go; else the seconds until it may. */
  async take(key: string): Promise<number> {
    const { verdict, resetInMs } = await this.limiter.hit(key);
    return verdict === 'ok' ? 0 : Math.max(1, Math.ceil(resetInMs / 1000));
  }
}

const READ_METHODS = new Set(['GET', 'HEAD']);

export function authenticate(limiter: TokenRateLimiter) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const bearer = { 'www-authenticate': 'Bearer realm="taskwatch"' };
    if (!m)
      throw new ApiProblem(
        401,
        'unauthorized',
        'Send Authorization: Bearer <token>; an admin makes one in the bot with /api new <name> [read|write].',
        undefined,
        bearer,
      );
    const r = await checkApiToken(m[1]!);
    if (!r.ok && r.reason === 'unknown')
      throw new ApiProblem(401, 'unauthorized', 'This token is unknown or was revoked.', undefined, bearer);
    if (!r.ok)
      throw new ApiProblem(
        403,
        'token_owner_not_admin',
        'The admin who made this token is no longer an admin; ask an admin for a new token.',
      );
    const wait = await limiter.take(r.token.id);
    if (wait > 0) {
      throw new ApiProblem(429, 'rate_limited', `Too many requests with this token; try again in ${wait} s.`, undefined, {
        'retry-after': String(wait),
      });
    }
    if (r.token.scope === 'read' && !READ_METHODS.has(req.method)) {
      throw new ApiProblem(
        403,
        'token_read_only',
        `The token "${r.token.name}" may only read (GET); make a write token with /api new <name> write.`,
      );
    }
    req.caller = {
      tokenId: r.token.id,
      tokenName: r.token.name,
      scope: r.token.scope,
      admin: r.admin,
      viewer: { id: r.admin._id, admin: true },
    };
  };
}
