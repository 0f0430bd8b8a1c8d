import { Schema, model } from 'mongoose';

/**
 * Claims: whoever inserts `_id` first owns the thing it names. A unique `_id` is the one arbiter that is
 * atomic on MongoDB and on FerretDB alike (FerretDB 1.x applies updates read-modify-write, not atomically).
 *
 * A leased claim (the dispatch's claim of what one person gets on one channel) also carries `leaseUntil`,
 * renewed while its worker works, and `items`: what the claim covers, fixed when it is inserted, so that
 * whoever takes it over after its worker died sends exactly that (see src/db/leased-claims.ts).
 */
const claimSchema = new Schema(
  {
    _id: String,
    owner: { type: String, required: true },
    at: { type: Date, required: true },
    leaseUntil: { type: Date },
    items: { type: [Schema.Types.ObjectId], default: undefined },
  },
  { versionKey: false },
);
claimSchema.index({ at: 1 });
export const ClaimModel = model('Claim', claimSchema);
