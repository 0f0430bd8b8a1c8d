import { Schema, model } from 'mongoose';

/** telegraf session store (conversations); see src/bot/session-store.ts. */
const sessionSchema = new Schema({ _id: String, data: Schema.Types.Mixed, updatedAt: Date }, { versionKey: false });
export const SessionModel = model('Session', sessionSchema);
