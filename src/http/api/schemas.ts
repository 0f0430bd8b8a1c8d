/**
 * The API's JSON schemas, defined once (TypeBox builds JSON Schema): fastify validates requests with them
 * and @fastify/swagger turns the same objects into the OpenAPI document.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CHANNELS, PRIORITIES, TASK_STATUSES } from '../../domain/types.js';

const union = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  );

export const Problem = Type.Object(
  {
    type: Type.String({ description: 'A URI reference naming the kind of problem' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    code: Type.Optional(Type.String({ description: 'Stable machine-readable code' })),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          pointer: Type.String({ description: 'JSON Pointer into the request body, or the parameter name' }),
          detail: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' },
);

export const PersonRef = Type.Object(
  { id: Type.String(), name: Type.String(), username: Type.Optional(Type.String()) },
  { $id: 'PersonRef' },
);

export const Task = Type.Object(
  {
    number: Type.Integer(),
    title: Type.String(),
    description: Type.String(),
    status: union(TASK_STATUSES),
    priority: union(PRIORITIES),
    due: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    author: Type.Ref(PersonRef),
    assignee: Type.Union([Type.Ref(PersonRef), Type.Null()]),
    private: Type.Boolean(),
    revision: Type.Integer(),
    source: Type.Optional(Type.String()),
    externalId: Type.Optional(Type.String()),
    url: Type.Optional(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Task' },
);

export const FieldChange = Type.Object(
  { field: Type.String(), from: Type.String(), to: Type.String() },
  {
    $id: 'FieldChange',
    description:
      "A field's value before and after, as the task shows it: due as an ISO 8601 instant, assignee as the person's id; '' for none.",
  },
);

export const Change = Type.Object(
  {
    revision: Type.Integer(),
    actor: Type.String({ description: 'Person id of who made the change' }),
    at: Type.String({ format: 'date-time' }),
    fields: Type.Array(Type.Ref(FieldChange)),
  },
  { $id: 'Change' },
);

const SOURCE = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,39}$', description: 'Tracker name, e.g. jira, gitlab, 1c' });
const EXTERNAL_ID = Type.String({ minLength: 1, maxLength: 200, description: "The task's id in that tracker" });
const URL = Type.String({ pattern: '^https?://', maxLength: 2000 });
const PERSON = Type.String({
  minLength: 1,
  maxLength: 254,
  description: 'A person: id, @username, Telegram id, e-mail or phone (+7…)',
});
const DUE = Type.String({ minLength: 1, maxLength: 40, description: '2026-12-25, 2026-12-25 18:00, 25.12.2026, +3d or off' });

const taskFields = {
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  status: Type.Optional(union(TASK_STATUSES)),
  priority: Type.Optional(union(PRIORITIES)),
  due: Type.Optional(Type.Union([DUE, Type.Null()])),
  assignee: Type.Optional(Type.Union([PERSON, Type.Null()])),
  private: Type.Optional(Type.Boolean()),
  url: Type.Optional(URL),
};

export const TaskCreate = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    ...taskFields,
    source: Type.Optional(SOURCE),
    externalId: Type.Optional(EXTERNAL_ID),
  },
  { additionalProperties: false, $id: 'TaskCreate' },
);
export type TaskCreateJson = Static<typeof TaskCreate>;

export const TaskUpdate = Type.Object(
  { title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ...taskFields },
  { additionalProperties: false, minProperties: 1, $id: 'TaskUpdate' },
);

export const TaskUpsert = Type.Object(
  { title: Type.String({ minLength: 1, maxLength: 200 }), ...taskFields },
  { additionalProperties: false, $id: 'TaskUpsert' },
);

export const TaskWithChanges = Type.Object(
  { task: Type.Ref(Task), changes: Type.Array(Type.Ref(Change)), created: Type.Boolean() },
  { $id: 'TaskWithChanges' },
);

export const TaskList = Type.Object(
  { items: Type.Array(Type.Ref(Task)), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: 'TaskList' },
);

export const TaskQuery = Type.Object(
  {
    status: Type.Optional(union(TASK_STATUSES)),
    assignee: Type.Optional(PERSON),
    source: Type.Optional(SOURCE),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: 'nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);

export const TaskNumberParams = Type.Object({ number: Type.Integer({ minimum: 1, maximum: 999_999_999 }) });
export const ExternalParams = Type.Object({ source: SOURCE, externalId: EXTERNAL_ID });

export const CommentCreate = Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });

// Bounded: a list longer than the channels there are is refused before uniqueItems (quadratic) looks at it.
const ChannelList = Type.Array(union(CHANNELS), { minItems: 1, maxItems: CHANNELS.length, uniqueItems: true });

export const ObserverSet = Type.Object({ person: PERSON, channels: ChannelList }, { additionalProperties: false, $id: 'ObserverSet' });
export const Observer = Type.Object({ person: Type.Ref(PersonRef), channels: Type.Array(union(CHANNELS)) }, { $id: 'Observer' });
export const ObserverList = Type.Object({ items: Type.Array(Type.Ref(Observer)) }, { $id: 'ObserverList' });
export const ObserverParams = Type.Object({ number: Type.Integer({ minimum: 1 }), person: PERSON });

export const Person = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    username: Type.Optional(Type.String()),
    telegram: Type.Boolean({ description: 'Whether a Telegram account is joined' }),
    role: Type.String(),
    email: Type.Optional(Type.String()),
    phone: Type.Optional(Type.String()),
    timezone: Type.String(),
    language: Type.String(),
  },
  { $id: 'Person' },
);
export const PersonCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    email: Type.Optional(Type.String({ maxLength: 254 })),
    phone: Type.Optional(Type.String({ maxLength: 40 })),
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    language: Type.Optional(union(['ru', 'en'] as const)),
  },
  { additionalProperties: false, $id: 'PersonCreate' },
);
export const PersonUpdate = Type.Object(
  {
    email: Type.Optional(Type.Union([Type.String({ maxLength: 254 }), Type.Null()])),
    phone: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1, $id: 'PersonUpdate' },
);
export const PersonParams = Type.Object({ ref: PERSON });

export const SendRequest = Type.Object(
  { task: Type.Optional(Type.Integer({ minimum: 1, description: 'Only this task; absent: everything due' })) },
  { additionalProperties: false },
);
export const RunResult = Type.Object(
  {
    runId: Type.String(),
    trigger: Type.String(),
    taskNumber: Type.Optional(Type.Integer()),
    sent: Type.Object({ email: Type.Integer(), sms: Type.Integer(), telegram: Type.Integer() }),
    failed: Type.Array(Type.Object({ channel: Type.String(), reason: Type.String(), count: Type.Integer() })),
    retrying: Type.Integer(),
    held: Type.Integer(),
    startedAt: Type.String(),
    finishedAt: Type.String(),
  },
  { $id: 'RunResult' },
);
export const QueueSummary = Type.Object(
  {
    pending: Type.Integer(),
    retrying: Type.Integer(),
    held: Type.Integer({ description: "Of the pending: held until their person's quiet hours end" }),
    digest: Type.Integer({ description: "Of the pending: waiting for their person's daily digest" }),
    sending: Type.Integer(),
    failed: Type.Integer(),
    sent: Type.Integer(),
    dropped: Type.Integer({ description: 'Dropped when their message was composed: the person may no longer hear of the task' }),
    lastRun: Type.Optional(
      Type.Object({ finishedAt: Type.String(), trigger: Type.String(), sent: Type.Integer(), failed: Type.Integer() }),
    ),
    nextRun: Type.Optional(Type.String()),
    recentFailures: Type.Array(Type.Object({ reason: Type.String(), count: Type.Integer() })),
  },
  { $id: 'QueueSummary' },
);

/** Shared schemas, added to fastify once so that `$ref`s resolve and the OpenAPI document lists them. */
export const SHARED_SCHEMAS = [
  Problem,
  PersonRef,
  Task,
  FieldChange,
  Change,
  TaskCreate,
  TaskUpdate,
  TaskUpsert,
  TaskWithChanges,
  TaskList,
  ObserverSet,
  Observer,
  ObserverList,
  Person,
  PersonCreate,
  PersonUpdate,
  RunResult,
  QueueSummary,
];

/** The usual error answers of a route, for the OpenAPI document. */
export function problems(...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref(Problem)]));
}
