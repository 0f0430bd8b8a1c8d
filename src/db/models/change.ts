import { Schema, model, type InferSchemaType, type HydratedDocument } from 'mongoose';

const changeSchema = new Schema(
  {
    task: { type: Schema.Types.ObjectId, ref: 'Task', required: true },
    taskNumber: { type: Number, required: true },
    /** The task's revision this edit made. */
    revision: { type: Number, required: true },
    actor: { type: Schema.Types.ObjectId, ref: 'Person', required: true },
    at: { type: Date, required: true },
    fields: {
      // Typed values, as FieldChange (src/domain/task-edits.ts) has them: status and priority keys, texts,
      // due dates as dates, assignees as person ids, `private` as a boolean, null for none; a comment has
      // only `to`. Rendered for each recipient when a message is composed; read back with fieldChangesOf.
      type: [new Schema({ field: { type: String, required: true }, from: Schema.Types.Mixed, to: Schema.Types.Mixed }, { _id: false })],
      default: [],
    },
    /** Nobody hears of this change before this time (a comment made by replying in Telegram, while it can be undone). */
    holdUntil: { type: Date },
    /** Set once planning has written this change's deliveries (planning is idempotent, so a crash re-plans). */
    plannedAt: { type: Date },
  },
  { versionKey: false },
);
changeSchema.index({ task: 1, revision: 1 }, { unique: true });
changeSchema.index({ plannedAt: 1 });

export type Change = InferSchemaType<typeof changeSchema>;
export type ChangeDoc = HydratedDocument<Change>;
export const ChangeModel = model('Change', changeSchema);
