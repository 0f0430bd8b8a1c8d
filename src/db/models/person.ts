import { Schema, model, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { CHANNELS, DEFAULT_PARTICIPANT_CHANNELS, LANGUAGES, ROLES } from '../../domain/types.js';

/** A contact waiting for the code sent to it. */
const pendingContactSchema = new Schema(
  {
    value: { type: String, required: true },
    /** SHA-256 of the person, the value and the code: the code itself is never stored. */
    codeHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { _id: false },
);

const personSchema = new Schema(
  {
    /** Telegram user id; also the private chat id. */
    telegramId: { type: Number, required: true, unique: true },
    name: { type: String, required: true },
    /** Telegram @username without the @, lower case. */
    username: { type: String, index: true },
    /** See Role in src/domain/types.ts. */
    role: { type: String, enum: ROLES, default: 'pending', required: true },
    /**
     * The e-mail letters go to and lookups find: confirmed by its owner (src/services/contact-codes.ts) or
     * set by an admin. Unique among people (checked when set, src/services/contact-owner.ts).
     */
    email: { type: String },
    /** SMS phone in E.164 (+79123456789); confirmed or admin-set, unique like `email`. */
    phone: { type: String },
    /** An e-mail address the person asked for and has not confirmed yet: nothing goes there, no lookup finds it. */
    pendingEmail: { type: pendingContactSchema, default: undefined },
    /** A phone waiting for its code, like `pendingEmail`. */
    pendingPhone: { type: pendingContactSchema, default: undefined },
    timezone: { type: String, required: true },
    language: { type: String, enum: LANGUAGES, required: true },
    /** Local wall-clock `HH:MM` pair; absent when the person has none. */
    quietHours: { type: new Schema({ start: String, end: String }, { _id: false }), default: undefined },
    /** Whether e-mail is held in quiet hours too (SMS always is). */
    quietEmail: { type: Boolean, default: false },
    /**
     * Channels used for tasks the person authored or is assigned to (`/channels`); empty: none. People saved
     * before the field existed have none stored and get DEFAULT_PARTICIPANT_CHANNELS (planning reads `?? …`).
     */
    participantChannels: { type: [String], enum: CHANNELS, default: () => [...DEFAULT_PARTICIPANT_CHANNELS] },
    /**
     * Daily digest time, local wall-clock `HH:MM` in `timezone`: everything waits for it (src/domain/digest.ts).
     * Absent: `now` mode, every run brings what changed.
     */
    digestTime: { type: String },
    /** In daily mode: whether SMS go in the digest too (otherwise no SMS for changes while daily). */
    digestSms: { type: Boolean },
    /**
     * Due-date reminder leads (`/remind 1d 2h`: `<n>d`, `<n>h`, `<n>m`, src/domain/reminders.ts). Absent: the
     * defaults (24 h and 1 h); empty: no reminders at all.
     */
    remindLeads: { type: [String], default: undefined },
    /** Whether they are reminded of the tasks they authored too (the assignee always is). */
    remindAuthor: { type: Boolean },
    /** Whether the person also hears about their own edits. */
    notifySelf: { type: Boolean, default: false },
    /**
     * When Telegram first answered 403 (the person blocked the bot); absent while the bot can write to them.
     * Planning makes no Telegram deliveries for them; cleared when they write to the bot again.
     */
    telegramUnreachableAt: { type: Date },
    /** A pending person: when the admins were told of their request (src/services/join-requests.ts). */
    joinAnnouncedAt: { type: Date },
  },
  { timestamps: true },
);

export type Person = InferSchemaType<typeof personSchema>;
export type PersonDoc = HydratedDocument<Person>;
export const PersonModel = model('Person', personSchema);
