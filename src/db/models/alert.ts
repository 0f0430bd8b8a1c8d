import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * Something admins were told about (SMTP login refused, SMS balance empty, …): one document per cause,
 * so that a cause is reported once and not once per message.
 */
const alertSchema = new Schema(
  {
    cause: { type: String, required: true, unique: true },
    text: String,
    count: { type: Number, default: 0 },
    firstAt: Date,
    lastAt: Date,
    notifiedAt: Date,
    /** Set when the cause went away (a later success); the next occurrence is reported again. */
    resolvedAt: Date,
  },
  { versionKey: false },
);
export type Alert = InferSchemaType<typeof alertSchema>;
export const AlertModel = model('Alert', alertSchema);
