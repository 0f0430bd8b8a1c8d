import { Schema, model, type InferSchemaType } from 'mongoose';

/** Atomic sequences (`task` numbers). */
const counterSchema = new Schema({ _id: String, seq: { type: Number, default: 0 } }, { versionKey: false });
export const CounterModel = model('Counter', counterSchema);

/**
 * Returns the next value of a sequence, atomically (findOneAndUpdate with $inc and upsert).
 * Two first calls racing to create the counter can meet a duplicate key; the loser simply tries again.
 */
export async function nextSequence(name: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      const doc = await CounterModel.findOneAndUpdate(
        { _id: name },
        { $inc: { seq: 1 } },
        { upsert: true, returnDocument: 'after', lean: true },
      );
      return doc!.seq;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000 || attempt >= 5) throw err;
    }
  }
}

/** One dispatch run: requested by /send or the schedule, carried out by whichever worker claims it. */
const runSchema = new Schema(
  {
    trigger: { type: String, enum: ['send', 'schedule'], required: true },
    /** Only this task's deliveries. */
    taskNumber: { type: Number },
    status: { type: String, enum: ['requested', 'running', 'done', 'failed'], default: 'requested', required: true },
    requestedBy: { type: Number },
    requestedAt: { type: Date, required: true },
    startedAt: Date,
    finishedAt: Date,
    worker: String,
    /** What the run did; see RunResult in src/delivery/dispatch.ts. */
    result: { type: Schema.Types.Mixed },
    error: String,
  },
  { versionKey: false },
);
runSchema.index({ status: 1, requestedAt: 1 });
export type Run = InferSchemaType<typeof runSchema>;
export const RunModel = model('Run', runSchema);

/**
 * Something admins were told about (SMTP login refused, SMS balance empty, …): one document per cause,
 * so that a cause is reported once and not once per message.
 */
const alertSchema = new Schema(
  {
    cause: { type: String, required: true, unique: true },
    text: String,
    count: { type: Number, default: 0 },
    firstAt: Date,
    lastAt: Date,
    notifiedAt: Date,
    /** Set when the cause went away (a later success); the next occurrence is reported again. */
    resolvedAt: Date,
  },
  { versionKey: false },
);
export type Alert = InferSchemaType<typeof alertSchema>;
export const AlertModel = model('Alert', alertSchema);

/** telegraf session store (conversations); see src/bot/session-store.ts. */
const sessionSchema = new Schema({ _id: String, data: Schema.Types.Mixed, updatedAt: Date }, { versionKey: false });
export const SessionModel = model('Session', sessionSchema);

/**
 * Claims: whoever inserts `_id` first owns the thing it names. A unique `_id` is the one arbiter that is
 * atomic on MongoDB and on FerretDB alike (FerretDB 1.x applies updates read-modify-write, not atomically).
 */
const claimSchema = new Schema(
  { _id: String, owner: { type: String, required: true }, at: { type: Date, required: true } },
  { versionKey: false },
);
claimSchema.index({ at: 1 });
export const ClaimModel = model('Claim', claimSchema);
