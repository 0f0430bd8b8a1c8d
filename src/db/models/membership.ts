import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * An invite link. The code itself is never stored: only its SHA-256 (`hash`), so that a database dump
 * opens no door. `number` is what admins list and revoke by.
 */
const inviteSchema = new Schema(
  {
    number: { type: Number, required: true, unique: true },
    /** SHA-256 of the code, hex. */
    hash: { type: String, required: true, unique: true },
    /** How many people may join with it. */
    maxUses: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
    createdBy: { type: Schema.Types.ObjectId, ref: 'Person', required: true },
    createdAt: { type: Date, required: true },
    revokedAt: { type: Date },
    /** Made by `/person invite`: whoever opens it becomes this person (who had no Telegram). */
    person: { type: Schema.Types.ObjectId, ref: 'Person' },
  },
  { versionKey: false },
);
export type Invite = InferSchemaType<typeof inviteSchema>;
export const InviteModel = model('Invite', inviteSchema);

/**
 * One use of an invite: `_id` is `<invite number>:<slot>` with slot 1..maxUses. Whoever inserts a slot
 * first owns it (a unique insert is the one race arbiter on FerretDB), so an invite is never used more
 * often than it allows. Kept for good: they are the invite's history.
 */
const inviteUseSchema = new Schema(
  {
    _id: String,
    invite: { type: Number, required: true, index: true },
    /** Who joined with it (their Telegram id: the slot is taken before the person exists). */
    telegramId: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
export const InviteUseModel = model('InviteUse', inviteUseSchema);

/**
 * A decision that must be taken once (a join request approved or denied): `_id` names it, the first
 * insert wins. Unlike claims these are never pruned.
 */
const decisionSchema = new Schema(
  {
    _id: String,
    outcome: { type: String, required: true },
    by: { type: Schema.Types.ObjectId, ref: 'Person', required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
export const DecisionModel = model('Decision', decisionSchema);
