/** The `/api/v1` routes: tasks, comments, observers, people, send and queue. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ChangeModel, ObserverModel, PersonModel, type PersonDoc } from '../../db/models/index.js';
import type { DeliveryPort } from '../../delivery/port.js';
import { requireChangeableTask, requireVisibleTask } from '../../services/access.js';
import {
  createTaskFrom,
  FieldError,
  listTasks,
  personRefJson,
  tasksJson,
  updateTask,
  upsertExternalTask,
  type AppliedChange,
  type TaskInput,
} from '../../services/api-tasks.js';
import { UserError } from '../../services/errors.js';
import { unwatch, watch } from '../../services/observers.js';
import { createOfflinePerson, hasTelegram } from '../../services/offline-people.js';
import { requirePersonAnyRef } from '../../services/person-refs.js';
import { checkPhoneForSms, isEmail, setEmail, setPhone } from '../../services/people.js';
import { addComment } from '../../services/tasks.js';
import type { Channel } from '../../domain/types.js';
import { callerOf } from './auth.js';
import { ApiProblem, fromUserError, languageOf } from './problem.js';
import * as S from './schemas.js';

export interface RouteDeps {
  delivery: DeliveryPort;
  defaultTimezone: string;
  defaultLanguage: 'ru' | 'en';
}

const secured = [{ bearerAuth: [] }];

/** Service errors about an input field name it. */
async function guard<T>(req: FastifyRequest, fn: () => Promise<T>, pointers: Record<string, string> = {}): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FieldError) throw fromUserError(err.error, languageOf(req), `/${err.field}`);
    if (err instanceof UserError) throw fromUserError(err, languageOf(req), pointers[err.code]);
    throw err;
  }
}

function changesJson(changes: AppliedChange[]) {
  return changes.map((c) => ({ revision: c.revision, actor: c.actor, at: c.at.toISOString(), fields: c.fields }));
}

function personJson(p: PersonDoc) {
  return {
    id: String(p._id),
    name: p.name,
    ...(p.username ? { username: p.username } : {}),
    telegram: hasTelegram(p),
    role: p.role,
    ...(p.email ? { email: p.email } : {}),
    ...(p.phone ? { phone: p.phone } : {}),
    timezone: p.timezone,
    language: p.language,
  };
}

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const zoneOf = (req: FastifyRequest) => callerOf(req).admin.timezone ?? deps.defaultTimezone;

  const taskAnswer = async (
    reply: FastifyReply,
    status: number,
    r: { task: Parameters<typeof tasksJson>[0][number]; changes: AppliedChange[]; created: boolean },
  ) => {
    const [task] = await tasksJson([r.task]);
    return reply.code(status).send({ task, changes: changesJson(r.changes), created: r.created });
  };

  app.post(
    '/tasks',
    {
      schema: {
        summary: 'Create a task, or upsert one by (source, externalId)',
        description:
          'With source and externalId, the task of that pair is created (201) or updated field by field (200); a repeat changes nothing.',
        tags: ['tasks'],
        security: secured,
        body: S.TaskCreate,
        response: { 200: Type.Ref(S.TaskWithChanges), 201: Type.Ref(S.TaskWithChanges), ...S.problems(401, 403, 409, 413, 415, 422, 429) },
      },
    },
    async (req, reply) => {
      const body = req.body as S.TaskCreateJson;
      const viewer = callerOf(req).viewer;
      const { source, externalId, ...input } = body;
      if ((source === undefined) !== (externalId === undefined)) {
        const missing = source === undefined ? 'source' : 'externalId';
        throw new ApiProblem(
          422,
          'validation_failed',
          `"${missing}" is required with "${missing === 'source' ? 'externalId' : 'source'}"`,
          [{ pointer: `/${missing}`, detail: 'source and externalId go together' }],
        );
      }
      const r = await guard(req, () =>
        source !== undefined
          ? upsertExternalTask(viewer, source, externalId!, input, zoneOf(req))
          : createTaskFrom(viewer, input, zoneOf(req)).then((x) => ({ ...x, created: true })),
      );
      return taskAnswer(reply, r.created ? 201 : 200, r);
    },
  );

  app.put(
    '/tasks/external/:source/:externalId',
    {
      schema: {
        summary: 'Upsert the task of (source, externalId)',
        tags: ['tasks'],
        security: secured,
        params: S.ExternalParams,
        body: S.TaskUpsert,
        response: { 200: Type.Ref(S.TaskWithChanges), 201: Type.Ref(S.TaskWithChanges), ...S.problems(401, 403, 409, 422, 429) },
      },
    },
    async (req, reply) => {
      const { source, externalId } = req.params as { source: string; externalId: string };
      const r = await guard(req, () =>
        upsertExternalTask(callerOf(req).viewer, source, externalId, req.body as TaskInput & { title: string }, zoneOf(req)),
      );
      return taskAnswer(reply, r.created ? 201 : 200, r);
    },
  );

  app.get(
    '/tasks',
    {
      schema: {
        summary: 'List tasks, newest first',
        tags: ['tasks'],
        security: secured,
        querystring: S.TaskQuery,
        response: { 200: Type.Ref(S.TaskList), ...S.problems(400, 401, 403, 404, 422, 429) },
      },
    },
    async (req) => {
      const q = req.query as { status?: string; assignee?: string; source?: string; cursor?: string; limit?: number };
      const limit = q.limit ?? 50;
      const { tasks, more } = await guard(req, () => listTasks({ ...q, limit, ...(q.cursor ? { before: Number(q.cursor) } : {}) }));
      const items = await tasksJson(tasks);
      return { items, nextCursor: more && tasks.length ? String(tasks[tasks.length - 1]!.number) : null };
    },
  );

  app.get(
    '/tasks/:number',
    {
      schema: {
        summary: 'One task',
        tags: ['tasks'],
        security: secured,
        params: S.TaskNumberParams,
        response: { 200: Type.Ref(S.Task), ...S.problems(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const { number } = req.params as { number: number };
      const task = await guard(req, () => requireVisibleTask(number, callerOf(req).viewer));
      return (await tasksJson([task]))[0];
    },
  );

  app.patch(
    '/tasks/:number',
    {
      schema: {
        summary: 'Change fields of a task; each changed field becomes a Change',
        tags: ['tasks'],
        security: secured,
        params: S.TaskNumberParams,
        body: S.TaskUpdate,
        response: { 200: Type.Ref(S.TaskWithChanges), ...S.problems(400, 401, 403, 404, 409, 413, 415, 422, 429) },
      },
    },
    async (req, reply) => {
      const { number } = req.params as { number: number };
      const r = await guard(req, () => updateTask(number, callerOf(req).viewer, req.body as TaskInput, zoneOf(req)));
      return taskAnswer(reply, 200, { ...r, created: false });
    },
  );

  app.post(
    '/tasks/:number/comments',
    {
      schema: {
        summary: 'Comment on a task (a Change of the field "comment")',
        tags: ['tasks'],
        security: secured,
        params: S.TaskNumberParams,
        body: S.CommentCreate,
        response: { 201: Type.Ref(S.Change), ...S.problems(400, 401, 403, 404, 413, 415, 422, 429) },
      },
    },
    async (req, reply) => {
      const { number } = req.params as { number: number };
      const { change } = await guard(req, () => addComment(number, callerOf(req).viewer, (req.body as { text: string }).text));
      return reply
        .code(201)
        .send({ revision: change.revision, actor: String(change.actor), at: change.at.toISOString(), fields: change.fields });
    },
  );

  app.get(
    '/tasks/:number/changes',
    {
      schema: {
        summary: 'The changes of a task, newest first (at most 100)',
        tags: ['tasks'],
        security: secured,
        params: S.TaskNumberParams,
        response: { 200: Type.Object({ items: Type.Array(Type.Ref(S.Change)) }), ...S.problems(400, 401, 404, 429) },
      },
    },
    async (req) => {
      const { number } = req.params as { number: number };
      const task = await guard(req, () => requireVisibleTask(number, callerOf(req).viewer));
      const changes = await ChangeModel.find({ task: task._id }).sort({ revision: -1 }).limit(100).lean();
      return { items: changes.map((c) => ({ revision: c.revision, actor: String(c.actor), at: c.at.toISOString(), fields: c.fields })) };
    },
  );

  const observerList = async (taskId: import('mongoose').Types.ObjectId) => {
    const obs = await ObserverModel.find({ task: taskId }).lean();
    const people = await PersonModel.find({ _id: { $in: obs.map((o) => o.person) } }, { name: 1, username: 1 }).lean();
    const byId = new Map(people.map((p) => [String(p._id), p]));
    return obs
      .filter((o) => byId.has(String(o.person)))
      .map((o) => ({ person: personRefJson(byId.get(String(o.person))!), channels: o.channels as Channel[] }));
  };

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
      return { items: await observerList(task._id) };
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
        response: { 201: Type.Ref(S.Person), ...S.problems(401, 403, 413, 415, 422, 429) },
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
        response: { 200: Type.Ref(S.Person), ...S.problems(400, 401, 404, 422, 429) },
      },
    },
    async (req) => personJson(await guard(req, () => requirePersonAnyRef((req.params as { ref: string }).ref))),
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
        response: { 200: Type.Ref(S.Person), ...S.problems(400, 401, 404, 413, 415, 422, 429) },
      },
    },
    async (req) => {
      const b = req.body as { email?: string | null; phone?: string | null };
      const p = await guard(req, async () => {
        const person = await requirePersonAnyRef((req.params as { ref: string }).ref);
        // Both checked before either is saved.
        if (b.email != null && !isEmail(b.email.trim())) throw new UserError('email_invalid', { value: b.email.trim() });
        if (b.phone != null) await checkPhoneForSms(b.phone);
        let out = person;
        if (b.email !== undefined) out = await setEmail(person._id, b.email);
        if (b.phone !== undefined) out = await setPhone(person._id, b.phone);
        return out;
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
