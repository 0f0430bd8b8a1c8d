import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * A bearer token of the integration API. The token itself is shown once and never stored: only its
 * SHA-256 (`hash`). `nameKey` is the name while the token is in force and `<name>#<id>` once revoked, so
 * that a name can be reused after revoking and the unique index (FerretDB has no partial indexes) still
 * keeps two live tokens from sharing a name.
 */
const apiTokenSchema = new Schema(
  {
    name: { type: String, required: true },
    nameKey: { type: String, required: true, unique: true },
    /** SHA-256 of the token, hex. */
    hash: { type: String, required: true, unique: true },
    /** `read`: GET only; `write`: also POST, PUT, PATCH, DELETE. */
    scope: { type: String, enum: ['read', 'write'], required: true },
    /** The admin who made it: the API acts with their rights while they are admin. */
    createdBy: { type: Schema.Types.ObjectId, ref: 'Person', required: true },
    createdAt: { type: Date, required: true },
    revokedAt: { type: Date },
    lastUsedAt: { type: Date },
  },
  { versionKey: false },
);
export type ApiToken = InferSchemaType<typeof apiTokenSchema>;

export const ApiTokenModel = model('ApiToken', apiTokenSchema);

/**
 * One `Idempotency-Key` of one token: `_id` is `<token id>:<key>`, inserted before the request is carried
 * out (the unique `_id` is the race arbiter), completed with the answer afterwards.
 */
const idempotencySchema = new Schema(
  {
    _id: String,
    /** SHA-256 of method, path and body: the same key with another request is refused. */
    fingerprint: { type: String, required: true },
    state: { type: String, enum: ['running', 'done'], required: true },
    status: Number,
    /** The first answer's body, as sent (JSON text). */
    body: String,
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
idempotencySchema.index({ at: 1 });
export const IdempotencyModel = model('Idempotency', idempotencySchema);

/**
 * A task's identity in another tracker: `_id` is `<source>:<externalId>`, so that the unique `_id` makes
 * the upsert by (source, externalId) race-safe on FerretDB (no partial unique index on Task is needed).
 * `task` is 0 while the task that claimed it is being created.
 */
const externalRefSchema = new Schema(
  {
    _id: String,
    source: { type: String, required: true },
    externalId: { type: String, required: true },
    task: { type: Number, required: true },
    url: String,
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
externalRefSchema.index({ task: 1 });
externalRefSchema.index({ source: 1, task: 1 });
export type ExternalRef = InferSchemaType<typeof externalRefSchema>;
export const ExternalRefModel = model('ExternalRef', externalRefSchema);
