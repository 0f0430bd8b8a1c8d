import { Schema, model } from 'mongoose';
import { isDuplicateKey } from '../duplicate-key.js';

/**
 * Sequences (`task` numbers). Not atomic on FerretDB (it applies `$inc` read-modify-write): two callers
 * can draw the same value, so the unique index of what the number is for (Task.number) decides, and the
 * loser draws again (see createTask in src/services/tasks.ts).
 */
const counterSchema = new Schema({ _id: String, seq: { type: Number, default: 0 } }, { versionKey: false });
export const CounterModel = model('Counter', counterSchema);

/**
 * The next value of a sequence (findOneAndUpdate with $inc and upsert): atomic on MongoDB, not on FerretDB
 * (see above). Two first calls racing to create the counter can meet a duplicate key; the loser tries again.
 */
export async function nextSequence(name: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      const doc = await CounterModel.findOneAndUpdate(
        { _id: name },
        { $inc: { seq: 1 } },
        { upsert: true, returnDocument: 'after', lean: true },
      );
      return doc!.seq;
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 5) throw err;
    }
  }
}
