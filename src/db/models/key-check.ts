import { Schema, model } from 'mongoose';

/**
 * One known text encrypted with SECRET_KEY, written by the first process that starts on a database: a
 * later process whose key cannot open it has a different SECRET_KEY (see src/db/key-check.ts).
 */
const keyCheckSchema = new Schema({ _id: String, sealed: { type: String, required: true }, at: Date }, { versionKey: false });
export const KeyCheckModel = model('KeyCheck', keyCheckSchema);
