import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * When a person last saw a task in the bot: pressed "👍 Seen" under its notification, or opened it (`/task N`,
 * its 📋 button). An SMS held for escalation is dropped when its person saw the task after its change.
 * `_id` is `<person>:<task>`: one document each, found by `_id` alone (an index lookup on
 * MongoDB; FerretDB 1.24 scans even for `_id`, see README "Database").
 */
const seenSchema = new Schema(
  {
    _id: { type: String, required: true },
    person: { type: Schema.Types.ObjectId, ref: 'Person', required: true },
    task: { type: Schema.Types.ObjectId, ref: 'Task', required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

export type Seen = InferSchemaType<typeof seenSchema>;
export const SeenModel = model('Seen', seenSchema);

/** The `_id` of a person's Seen record of a task. */
export function seenKey(person: { toString(): string }, task: { toString(): string }): string {
  return `${person.toString()}:${task.toString()}`;
}
