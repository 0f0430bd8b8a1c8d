import { Schema, model } from 'mongoose';

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
