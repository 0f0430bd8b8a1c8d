import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * A database outage as one process saw it (each process that noticed writes its own, after the database is
 * back): the records of one outage overlap in time, and their claims decide who tells the admins (src/delivery/outage-alert.ts).
 */
const outageSchema = new Schema(
  {
    since: { type: Date, required: true },
    backAt: { type: Date, required: true },
    /** host:pid of the process that saw it. */
    by: { type: String, required: true },
  },
  { versionKey: false },
);
outageSchema.index({ backAt: 1 });
export type Outage = InferSchemaType<typeof outageSchema>;
export const OutageModel = model('Outage', outageSchema);
