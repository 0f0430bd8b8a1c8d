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
      type: [new Schema({ field: String, from: String, to: String }, { _id: false })],
      default: [],
    },
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
