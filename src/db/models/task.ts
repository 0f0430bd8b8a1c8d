import { Schema, model, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { CHANNELS, PRIORITIES, TASK_STATUSES } from '../../domain/types.js';

const observerSchema = new Schema(
  {
    person: { type: Schema.Types.ObjectId, ref: 'Person', required: true },
    channels: { type: [String], enum: CHANNELS, required: true },
  },
  { _id: false },
);

const taskSchema = new Schema(
  {
    /** The short number people type; from the `task` counter. */
    number: { type: Number, required: true, unique: true },
    title: { type: String, required: true },
    description: { type: String, default: '' },
    status: { type: String, enum: TASK_STATUSES, default: 'new', required: true },
    priority: { type: String, enum: PRIORITIES, default: 'normal', required: true },
    due: { type: Date },
    author: { type: Schema.Types.ObjectId, ref: 'Person', required: true },
    assignee: { type: Schema.Types.ObjectId, ref: 'Person' },
    observers: { type: [observerSchema], default: [] },
    /** Bumped by every edit; the Change it wrote carries the new value. */
    revision: { type: Number, default: 0, required: true },
  },
  { timestamps: true },
);
taskSchema.index({ author: 1 });
taskSchema.index({ assignee: 1 });
taskSchema.index({ 'observers.person': 1 });

export type Task = InferSchemaType<typeof taskSchema>;
export type TaskDoc = HydratedDocument<Task>;
export const TaskModel = model('Task', taskSchema);
