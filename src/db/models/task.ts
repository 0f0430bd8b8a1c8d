import { Schema, model, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { CHANNELS, PRIORITIES, TASK_STATUSES } from '../../domain/types.js';

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
    /** Visible only to the author, the assignee, observers and admins (src/domain/access.ts). */
    private: { type: Boolean, default: false },
    /** Bumped by every edit; the Change it wrote carries the new value. */
    revision: { type: Number, default: 0, required: true },
  },
  { timestamps: true },
);
taskSchema.index({ author: 1 });
taskSchema.index({ assignee: 1 });

export type Task = InferSchemaType<typeof taskSchema>;
export type TaskDoc = HydratedDocument<Task>;
export const TaskModel = model('Task', taskSchema);

/**
 * A person watching a task on some channels. A collection of its own rather than an array in Task:
 * each subscription is its own document under a unique (task, person) key, so two people subscribing at
 * the same moment never overwrite each other (FerretDB rewrites whole documents; see README, "Database").
 */
const observerSchema = new Schema(
  {
    task: { type: Schema.Types.ObjectId, ref: 'Task', required: true },
    taskNumber: { type: Number, required: true },
    person: { type: Schema.Types.ObjectId, ref: 'Person', required: true },
    channels: { type: [String], enum: CHANNELS, required: true },
    /** Who added the observer (the person themself, or an admin). */
    addedBy: { type: Schema.Types.ObjectId, ref: 'Person' },
  },
  { timestamps: true },
);
observerSchema.index({ task: 1, person: 1 }, { unique: true });
observerSchema.index({ person: 1 });

export type Observer = InferSchemaType<typeof observerSchema>;
export type ObserverDoc = HydratedDocument<Observer>;
export const ObserverModel = model('Observer', observerSchema);
