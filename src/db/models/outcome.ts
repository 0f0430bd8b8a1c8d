import { Schema, model } from 'mongoose';

/**
 * The outcome journal (src/delivery/journal.ts): one document per outcome of a delivery's attempt, inserted
 * when the message has gone out (or was dropped, held or put back for a retry) and deleted once the delivery's
 * own document carries it. Inserts are the one write whose cost does not grow with the backlog on FerretDB 1.x;
 * the journal stays as small as the batches in flight.
 */
const outcomeSchema = new Schema(
  {
    delivery: { type: Schema.Types.ObjectId, required: true },
    /** The `folds` of the delivery document this outcome was made from: a later one makes it stale. */
    base: { type: Number, required: true },
    /** The worker that recorded it (for the logs of a recovery). */
    owner: { type: String, required: true },
    at: { type: Date, required: true },
    /** The delivery's document after this outcome, whole: what replaces it. */
    doc: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false },
);
outcomeSchema.index({ delivery: 1 });
outcomeSchema.index({ at: 1 });
export const OutcomeModel = model('Outcome', outcomeSchema);
