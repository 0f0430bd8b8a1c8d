/** The `/api/v1` routes of observers, people, send and queue. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { observerListJson } from '../../services/api-reads.js';
import { requireChangeableTask, requireVisibleTask } from '../../services/access.js';
import { personRefJson } from '../../services/api-reads.js';
import { unwatch, watch } from '../../services/observers.js';
import { createOfflinePerson } from '../../services/offline-people.js';
import { requirePersonAnyRef } from '../../services/person-refs.js';
import { setContacts } from '../../services/contacts.js';
import type { Channel } from '../../domain/types.js';
import { callerOf } from './auth.js';
import { ApiProblem } from './problem.js';
import { guard, personJson, secured, type RouteDeps } from './route-kit.js';
import * as S from './schemas.js';

export function registerPeopleRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get(
    '/tasks/:number/observers',
    {
      schema: {
        summary: 'Observers of a task and their channels',
        tags: ['observers'],
        security: secured,
        params: S.TaskNumberParams,
        response: { 200: Type.Ref(S.ObserverList), ...S.problems(400, 401, 404, 429) },
      },
    },
    async (req) => {
      const { number } = req.params as { number: number };
      const task = await guard(req, () => requireVisibleTask(number, callerOf(req).viewer));
      return { items: await observerListJson(task._id) };
    },
  );

  app.post(
    '/tasks/:number/observers',
    {
      schema: {
        summary: 'Add an observer (or set their channels) by id, @username, Telegram id, e-mail or phone',
        tags: ['observers'],
        security: secured,
        params: S.TaskNumberParams,
        body: S.ObserverSet,
        response: { 200: Type.Ref(S.Observer), 201: Type.Ref(S.Observer), ...S.problems(400, 401, 403, 404, 413, 415, 422, 429) },
      },
    },
    async (req, reply) => {
      const { number } = req.params as { number: number };
      const body = req.body as { person: string; channels: Channel[] };
      const viewer = callerOf(req).viewer;
      const { person, created } = await guard(
        req,
        async () => {
          await requireVisibleTask(number, viewer);
          const p = await requirePersonAnyRef(body.person);
          const r = await watch(number, p._id, body.channels, viewer);
          return { person: p, created: r.created };
        },
        { person_not_found: '/person', email_invalid: '/person', phone_invalid: '/person', person_ref_invalid: '/person' },
      );
      return reply.code(created ? 201 : 200).send({ person: personRefJson(person), channels: body.channels });
    },
  );

  app.delete(
    '/tasks/:number/observers/:person',
    {
      schema: {
        summary: 'Remove an observer',
        tags: ['observers'],
        security: secured,
        params: S.ObserverParams,
        response: { 204: Type.Null(), ...S.problems(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const { number, person } = req.params as { number: number; person: string };
      const viewer = callerOf(req).viewer;
      const removed = await guard(req, async () => {
        await requireVisibleTask(number, viewer);
        const p = await requirePersonAnyRef(person);
        return unwatch(number, p._id, viewer);
      });
      if (!removed) throw new ApiProblem(404, 'not_watching', `${person} does not observe task #${number}.`);
      return reply.code(204).send();
    },
  );

  app.post(
    '/people',
    {
      schema: {
        summary: 'Add a person without Telegram (e-mail and/or phone); they can observe tasks by e-mail and SMS',
        tags: ['people'],
        security: secured,
        body: S.PersonCreate,
        response: { 201: Type.Ref(S.Person), ...S.problems(401, 403, 409, 413, 415, 422, 429) },
      },
    },
    async (req, reply) => {
      const b = req.body as { name: string; email?: string; phone?: string; timezone?: string; language?: 'ru' | 'en' };
      const p = await guard(req, () =>
        createOfflinePerson({
          name: b.name,
          ...(b.email !== undefined ? { email: b.email } : {}),
          ...(b.phone !== undefined ? { phone: b.phone } : {}),
          timezone: b.timezone ?? deps.defaultTimezone,
          language: b.language ?? deps.defaultLanguage,
        }),
      );
      return reply.code(201).send(personJson(p));
    },
  );

  app.get(
    '/people/:ref',
    {
      schema: {
        summary: 'One person, by id, @username, Telegram id, e-mail or phone',
        tags: ['people'],
        security: secured,
        params: S.PersonParams,
        response: { 200: Type.Ref(S.Person), ...S.problems(400, 401, 404, 409, 422, 429) },
      },
    },
    // A read token reads who someone is, not how to reach them: contacts only with a write token.
    async (req) =>
      personJson(await guard(req, () => requirePersonAnyRef((req.params as { ref: string }).ref)), callerOf(req).scope === 'write'),
  );

  app.patch(
    '/people/:ref',
    {
      schema: {
        summary: "Set or clear (null) a person's e-mail and SMS phone",
        tags: ['people'],
        security: secured,
        params: S.PersonParams,
        body: S.PersonUpdate,
        response: { 200: Type.Ref(S.Person), ...S.problems(400, 401, 404, 409, 413, 415, 422, 429) },
      },
    },
    async (req) => {
      const b = req.body as { email?: string | null; phone?: string | null };
      const p = await guard(req, async () => {
        const person = await requirePersonAnyRef((req.params as { ref: string }).ref);
        return setContacts(person._id, b);
      });
      return personJson(p);
    },
  );

  app.post(
    '/send',
    {
      schema: {
        summary: 'Send pending notifications now (all, or one task), as /send in the bot; waits for the run',
        tags: ['delivery'],
        security: secured,
        body: S.SendRequest,
        response: { 200: Type.Ref(S.RunResult), ...S.problems(401, 403, 404, 413, 415, 422, 429) },
      },
    },
    async (req) => {
      const { task } = (req.body ?? {}) as { task?: number };
      if (task !== undefined) await guard(req, () => requireChangeableTask(task, callerOf(req).viewer));
      return deps.delivery.sendNow({ ...(task !== undefined ? { taskNumber: task } : {}), requestedBy: callerOf(req).admin.telegramId });
    },
  );

  app.get(
    '/queue',
    {
      schema: {
        summary: 'The delivery queue: pending, retrying, held, failed, sent, last and next run',
        tags: ['delivery'],
        security: secured,
        response: { 200: Type.Ref(S.QueueSummary), ...S.problems(401, 403, 429) },
      },
    },
    async () => deps.delivery.queue(),
  );
}
