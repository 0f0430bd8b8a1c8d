import { Schema, model, type InferSchemaType } from 'mongoose';

/** One dispatch run: requested by /send or the schedule, carried out by whichever worker claims it. */
const runSchema = new Schema(
  {
    trigger: { type: String, enum: ['send', 'schedule'], required: true },
    /** Only this task's deliveries. */
    taskNumber: { type: Number },
    status: { type: String, enum: ['requested', 'running', 'done', 'failed'], default: 'requested', required: true },
    requestedBy: { type: Number },
    requestedAt: { type: Date, required: true },
    /** Not to be carried out before this time (a follow-up run waiting for another worker's lease to run out). */
    notBefore: { type: Date },
    startedAt: Date,
    finishedAt: Date,
    worker: String,
    /** What the run did: a RunResult (src/delivery/port.ts) without its run fields. */
    result: { type: Schema.Types.Mixed },
    error: String,
  },
  { versionKey: false },
);
runSchema.index({ status: 1, requestedAt: 1 });
export type Run = InferSchemaType<typeof runSchema>;
export const RunModel = model('Run', runSchema);
