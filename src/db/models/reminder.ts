import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * One due-date reminder of one person: the fact that they are to be reminded of a task's due time `due` at
 * `at` (`lead` before it, or `overdue`). Its deliveries refer to it by `change`, as a change's do, and carry
 * only their sending state. A reminder is not an edit of the task: it has no revision and no place in the
 * task's history (the changes collection), so it is a collection of its own.
 *
 * `key` (task, person, lead, due instant) is unique: however many workers sweep the same moment, and after a
 * crash, each reminder is written once (a unique insert is the only safe arbiter on FerretDB).
 */
const reminderSchema = new Schema(
  {
    key: { type: String, required: true, unique: true },
    task: { type: Schema.Types.ObjectId, ref: 'Task', required: true },
    taskNumber: { type: Number, required: true },
    person: { type: Schema.Types.ObjectId, ref: 'Person', required: true },
    /** `1d`, `24h`, `30m` … or `overdue`. */
    lead: { type: String, required: true },
    /** The due time it reminds of (the task's `due` when it was written). */
    due: { type: Date, required: true },
    /** Its moment: `lead` before `due` (calendar days in the person's zone), or `due` itself. */
    at: { type: Date, required: true },
    /** Set once its deliveries are written (as a Change's `plannedAt`). */
    plannedAt: { type: Date },
  },
  { versionKey: false },
);
reminderSchema.index({ plannedAt: 1 });

export type Reminder = InferSchemaType<typeof reminderSchema>;
export const ReminderModel = model('Reminder', reminderSchema);
