/**
 * Document types as the models return them. `HydratedDocument<InferSchemaType<…>>` in src/db/models differs
 * from what `Model.create()`/`findById()` return for Change and Settings (versionKey: false), so the services
 * use these; and the lean shapes the delivery engine reads, defined once.
 */
import type { Types } from 'mongoose';
import type { ChangeModel, Delivery, SettingsModel } from './models/index.js';

export type SettingsDoc = ReturnType<(typeof SettingsModel)['hydrate']>;
export type ChangeDocument = ReturnType<(typeof ChangeModel)['hydrate']>;

/** A Delivery as `.lean()` returns it. */
export type LeanDelivery = Delivery & { _id: Types.ObjectId };

/**
 * The fields of a Person the delivery engine reads (planning, dispatch, the dry run), as `.lean()` returns
 * them after a `.select(RECIPIENT_FIELDS)`.
 */
export interface LeanRecipient {
  _id: Types.ObjectId;
  telegramId: number;
  name: string;
  email?: string | null;
  phone?: string | null;
  timezone: string;
  language: string;
  quietHours?: { start?: string | null; end?: string | null } | null;
  quietEmail?: boolean | null;
  participantChannels?: string[];
  notifySelf?: boolean | null;
  /** Daily digest time `HH:MM` (absent: `now` mode) and whether SMS go in it; see src/domain/digest.ts. */
  digestTime?: string | null;
  digestSms?: boolean | null;
  /** Due-date reminder leads (absent: the defaults) and whether they are reminded as author; see src/domain/reminders.ts. */
  remindLeads?: string[] | null;
  remindAuthor?: boolean | null;
  /** admin, member, pending or blocked: only members and admins hear of anything. */
  role?: string | null;
  /** Set while the person has blocked the bot (see the Person model). */
  telegramUnreachableAt?: Date | null;
}

/**
 * The cursor batch of the engine's large reads (`.batchSize(ONE_ANSWER)`): the whole answer comes at once.
 * The driver's default first batch is 101 documents, and each further batch is a round trip (on FerretDB
 * 1.x, 10–25 ms each for a read of 500 people).
 */
export const ONE_ANSWER = 10_000;

/** The projection that gives a {@link LeanRecipient}. */
export const RECIPIENT_FIELDS = {
  telegramId: 1,
  name: 1,
  email: 1,
  phone: 1,
  timezone: 1,
  language: 1,
  quietHours: 1,
  quietEmail: 1,
  participantChannels: 1,
  notifySelf: 1,
  digestTime: 1,
  digestSms: 1,
  remindLeads: 1,
  remindAuthor: 1,
  role: 1,
  telegramUnreachableAt: 1,
} as const satisfies Partial<Record<keyof LeanRecipient, 1>>;
