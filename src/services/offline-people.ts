/**
 * People without Telegram: an admin adds them by name with an e-mail and/or phone; they can observe tasks
 * on e-mail and SMS and count as members. Their `telegramId` is a placeholder below zero (`-1`, `-2`, …
 * from the `offline-person` counter): the unique index on `telegramId` then still works on FerretDB (no
 * partial indexes there, `sparse` is ignored) and every id above zero stays a real Telegram account. An
 * invite link made for such a person joins the Telegram account that opens it to them (see linkPerson in telegram-link.ts).
 */
import { timeZoneError } from '../domain/time-zones.js';
import type { Types } from 'mongoose';
import { InviteModel, PersonModel, nextSequence, type PersonDoc } from '../db/models/index.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { LANGUAGES, type Language } from '../domain/types.js';
import { UserError } from '../domain/errors.js';
import { canonicalZone } from './people.js';
import { checkPhoneForSms, isEmail } from './contacts.js';
import { createInvite, type NewInvite } from './membership.js';
import { hasTelegram } from './telegram-link.js';
import { assertContactFree } from './contacts.js';

export const NAME_MAX = 100;

export interface OfflinePersonInput {
  name: string;
  email?: string;
  phone?: string;
  timezone: string;
  language: Language;
}

/** Checks name, e-mail and phone first, then creates the person as a member: nothing is written on a bad value. */
export async function createOfflinePerson(input: OfflinePersonInput): Promise<PersonDoc> {
  const name = input.name.trim().replace(/\s+/g, ' ');
  if (!name) throw new UserError('person_name_invalid', { max: NAME_MAX });
  if (name.length > NAME_MAX) throw new UserError('person_name_invalid', { max: NAME_MAX });
  const email = input.email?.trim();
  if (email !== undefined && !isEmail(email)) throw new UserError('email_invalid', { value: email });
  const phone = input.phone !== undefined ? await checkPhoneForSms(input.phone) : undefined;
  if (!email && !phone) throw new UserError('person_contact_missing');
  // Contacts an admin sets are trusted but unique: nobody else may have them.
  if (email) await assertContactFree('email', email, undefined, true);
  if (phone) await assertContactFree('phone', phone, undefined, true);
  const timezone = canonicalZone(input.timezone);
  if (!timezone) throw timeZoneError(input.timezone);
  if (!(LANGUAGES as readonly string[]).includes(input.language)) throw new UserError('lang_invalid', { value: input.language });
  for (let attempt = 0; ; attempt++) {
    const telegramId = -(await nextSequence('offline-person'));
    try {
      return await PersonModel.create({
        telegramId,
        name,
        role: 'member',
        ...(email ? { email } : {}),
        ...(phone ? { phone } : {}),
        timezone,
        language: input.language,
        participantChannels: email ? ['email'] : ['sms'],
      });
    } catch (err) {
      // The counter's $inc is not atomic on FerretDB: a duplicate placeholder just takes the next one.
      if (!isDuplicateKey(err) || attempt >= 20) throw err;
    }
  }
}

/** A one-use invite link (7 days) that joins the Telegram account opening it to `person`, who has none yet. */
export async function invitePerson(person: PersonDoc, by: Types.ObjectId): Promise<NewInvite> {
  if (hasTelegram(person)) throw new UserError('person_has_telegram', { name: person.name });
  const invite = await createInvite(by, 1, 7);
  await InviteModel.updateOne({ number: invite.number }, { $set: { person: person._id } });
  return invite;
}
