import { Schema, model } from 'mongoose';

/**
 * Slots: one document per unit of a shared limit (a Telegram send slot, a command counted in a minute, a
 * cooldown taken). Whoever inserts `_id` first holds it, on MongoDB and FerretDB alike (a unique `_id` is
 * the one atomic arbiter on both). `until` is when the slot no longer matters; maintenance deletes it then
 * (FerretDB has no TTL indexes).
 */
const slotSchema = new Schema(
  {
    _id: String,
    until: { type: Date, required: true },
  },
  { versionKey: false },
);
slotSchema.index({ until: 1 });
export const SlotModel = model('Slot', slotSchema);
