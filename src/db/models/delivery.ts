import { Schema, model, type InferSchemaType } from 'mongoose';
import { CHANNELS } from '../../domain/types.js';

const deliverySchema = new Schema(
  {
    /** The Change it tells of, or the Reminder (src/db/models/reminder.ts) it carries. */
    change: { type: Schema.Types.ObjectId, ref: 'Change', required: true },
    task: { type: Schema.Types.ObjectId, ref: 'Task', required: true },
    taskNumber: { type: Number, required: true },
    person: { type: Schema.Types.ObjectId, ref: 'Person', required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    /** E-mail address, E.164 phone or Telegram chat id, as it was when planned. */
    address: { type: String, required: true },
    status: {
      type: String,
      enum: ['pending', 'sent', 'failed', 'skipped'],
      default: 'pending',
      required: true,
    },
    attempts: { type: Number, default: 0, required: true },
    /** Not sent before this time (retry backoff, quiet hours). */
    nextAttemptAt: { type: Date, required: true },
    /**
     * Why the next attempt waits: `retry`, `quiet` (hours), `digest` (the person's daily digest time) or
     * `escalation` (an SMS that goes only if its person has not seen the task in Telegram by then).
     */
    heldFor: { type: String, enum: ['retry', 'quiet', 'digest', 'escalation'] },
    lastError: { type: String },
    /** Why the last attempt failed (a FailureCause), for the texts people read. */
    failureCause: { type: String },
    /** The provider's (or server's) own words of the last failure, for admins. */
    failureDetail: { type: String },
    /**
     * Id the provider gave the message where something reads it back: sms.ru's sms_id (delivery reports),
     * Telegram's message_id. (An e-mail's Message-ID is made from its deliveries again, see messageIdOf.)
     */
    providerMessageId: { type: String },
    /** Last delivery report polled from the provider. */
    report: {
      type: new Schema({ code: String, text: String, final: Boolean, at: Date }, { _id: false }),
      default: undefined,
    },
    sentAt: { type: Date },
    /** The failed delivery this one stands in for (SMS fallback). */
    fallbackOf: { type: Schema.Types.ObjectId },
    /**
     * How many outcomes this document has taken from the outcome journal (src/delivery/journal.ts): the
     * version an outcome is made from, so that a journal entry left over from an earlier one is never
     * applied over a newer state.
     */
    folds: { type: Number },
  },
  { timestamps: true },
);
/** Planning is idempotent: one delivery per change, person and channel. */
deliverySchema.index({ change: 1, person: 1, channel: 1 }, { unique: true });
/** The due-delivery query: pending and due. */
deliverySchema.index({ status: 1, nextAttemptAt: 1 });
/** The due deliveries of the people a claim page found (every message takes all of a person's due on a channel). */
deliverySchema.index({ person: 1, status: 1, nextAttemptAt: 1 });
deliverySchema.index({ taskNumber: 1, status: 1 });
/** A Telegram notification a person answers: its deliveries by the message id (src/services/replies.ts). */
deliverySchema.index({ person: 1, providerMessageId: 1 });

export type Delivery = InferSchemaType<typeof deliverySchema>;
export const DeliveryModel = model('Delivery', deliverySchema);
