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
      // from/to: display strings (all that old Changes have); fromAt/toAt (due) and fromPerson/toPerson
      // (assignee): typed values, rendered for each recipient.
      type: [
        new Schema(
          {
            field: String,
            from: String,
            to: String,
            fromAt: Date,
            toAt: Date,
            fromPerson: { type: Schema.Types.ObjectId, ref: 'Person' },
            toPerson: { type: Schema.Types.ObjectId, ref: 'Person' },
          },
          { _id: false },
        ),
      ],
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
