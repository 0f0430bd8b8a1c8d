/** The `/api/v1/tasks` routes: create, upsert by (source, externalId), list, get, update, comment, changes. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { listTasks, recentChanges, tasksJson } from '../../services/api-reads.js';
import { requireVisibleTask } from '../../services/access.js';
import { createTaskFrom, updateTask, upsertExternalTask, type AppliedChange, type TaskInput } from '../../services/api-tasks.js';
import { addComment, taskToSee } from '../../services/tasks.js';
import { fieldChangesOf } from '../../domain/task-edits.js';
import { callerOf } from './auth.js';
import { ApiProblem } from './problem.js';
import { changesJson, guard, secured, type RouteDeps } from './route-kit.js';
import * as S from './schemas.js';

export function registerTaskRoutes(app: FastifyInstance, deps: RouteDeps): void {
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
      const viewer = callerOf(req).viewer;
      const { change } = await guard(req, async () => addComment(await taskToSee(number, viewer), (req.body as { text: string }).text));
      return reply.code(201).send(changesJson([change])[0]);
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
      const changes = await recentChanges(task._id);
      return {
        items: changesJson(
          changes.map((c) => ({ revision: c.revision, actor: String(c.actor), at: c.at, fields: fieldChangesOf(c.fields) })),
        ),
      };
    },
  );
}
