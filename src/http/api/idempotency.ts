/**
 * `Idempotency-Key` on POST/PUT/PATCH: the key is claimed by a unique insert (`<token>:<key>`) before the
 * request runs, and the answer stored once it is sent. A replay gets the first answer (header
 * `Idempotency-Replayed: true`) and changes nothing; the same key with another method, path or body is
 * 422; a replay while the first is still running is 409. An answer of 500 or more frees the key again.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { claimIdempotencyKey, forgetIdempotencyKey, idempotentAnswer, keepIdempotentAnswer } from '../../db/idempotency-store.js';
import { ApiProblem } from './problem.js';

const KEY_RE = /^[\x21-\x7e]{1,200}$/;
const WRITES = new Set(['POST', 'PUT', 'PATCH']);

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyId?: string;
  }
}

/** The reply body as stored for a replay: text as sent, a buffer as UTF-8, anything else (no body, a stream) empty. */
function payloadText(payload: unknown): string {
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  if (typeof payload === 'number' || typeof payload === 'boolean') return String(payload);
  return '';
}

function fingerprint(req: FastifyRequest): string {
  return createHash('sha256')
    .update(`${req.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`)
    .digest('hex');
}

export function registerIdempotency(app: FastifyInstance): void {
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const key = req.headers['idempotency-key'];
    if (key === undefined || !WRITES.has(req.method) || !req.caller) return;
    if (typeof key !== 'string' || !KEY_RE.test(key)) {
      throw new ApiProblem(400, 'idempotency_key_invalid', 'Idempotency-Key must be 1 to 200 visible ASCII characters.', [
        { pointer: 'header:idempotency-key', detail: 'invalid' },
      ]);
    }
    const id = `${req.caller.tokenId}:${key}`;
    const fp = fingerprint(req);
    if (await claimIdempotencyKey(id, fp)) {
      req.idempotencyId = id;
      return;
    }
    const first = await idempotentAnswer(id);
    if (!first) throw new ApiProblem(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is being handled; try again.');
    if (first.fingerprint !== fp) {
      throw new ApiProblem(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was used for another request (method, path or body); use a new key.',
        [{ pointer: 'header:idempotency-key', detail: 'used for another request' }],
      );
    }
    if (first.state !== 'done')
      throw new ApiProblem(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is being handled; try again.');
    const problem = (first.status ?? 200) >= 400;
    return reply
      .code(first.status ?? 200)
      .header('idempotency-replayed', 'true')
      .header('cache-control', 'no-store')
      .type(problem ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8')
      .serializer((b: unknown) => String(b))
      .send(first.body ?? '');
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const id = req.idempotencyId;
    if (!id) return payload;
    req.idempotencyId = undefined;
    if (reply.statusCode >= 500) await forgetIdempotencyKey(id);
    else await keepIdempotentAnswer(id, reply.statusCode, payloadText(payload));
    return payload;
  });
}
