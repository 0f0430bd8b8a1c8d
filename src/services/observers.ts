/** Observers ("Наблюдатели"): who watches which task on which channels. */
import { ObserverModel, PersonModel, type ObserverDoc, type PersonDoc } from '../db/models/index.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { CHANNELS, type Channel } from '../domain/types.js';
import { canSetObserver } from '../domain/access.js';
import { UserError } from '../domain/errors.js';
import { personRef, type PersonId } from './people.js';
import { requireVisibleTask, resolveViewer, type Actor } from './access.js';

const CHANNEL_ALIASES: Record<string, Channel> = {
  email: 'email',
  'e-mail': 'email',
  mail: 'email',
  почта: 'email',
  sms: 'sms',
  смс: 'sms',
  telegram: 'telegram',
  tg: 'telegram',
  телеграм: 'telegram',
  телеграмм: 'telegram',
};

/** `email sms`, `e-mail,telegram`, `смс` … → channels in their canonical order, without repeats. */
export function parseChannels(raw: string | readonly string[]): Channel[] {
  const words = (typeof raw === 'string' ? [raw] : raw)
    .flatMap((w) => w.split(/[\s,;+]+/))
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);
  const found = new Set<Channel>();
  for (const w of words) {
    const c = CHANNEL_ALIASES[w];
    if (!c) throw new UserError('channel_unknown', { value: w, values: CHANNELS.join(', ') });
    found.add(c);
  }
  return CHANNELS.filter((c) => found.has(c));
}

/** The first channel the person has no address for, or undefined. Telegram works once they have joined it. */
export function missingAddress(
  person: Pick<PersonDoc, 'email' | 'phone' | 'telegramId'>,
  channels: readonly Channel[],
): Channel | undefined {
  return channels.find(
    (c) => (c === 'email' && !person.email) || (c === 'sms' && !person.phone) || (c === 'telegram' && !(person.telegramId > 0)),
  );
}

/**
 * Makes the person an observer of the task on these channels (replacing the channels they had), on behalf
 * of `actor`: anyone who can see the task may watch it themself; only admins add others
 * (`observe_others_denied`). Refuses a channel the person has no address for: `channel_no_address` with
 * the command that adds it.
 */
export async function watch(
  taskNumber: number,
  personId: PersonId,
  channels: readonly Channel[],
  actor: Actor,
): Promise<{ observer: ObserverDoc; created: boolean }> {
  const viewer = await resolveViewer(actor);
  const task = await requireVisibleTask(taskNumber, viewer);
  if (!canSetObserver(viewer, personId)) throw new UserError('observe_others_denied', { number: taskNumber });
  const addedBy = viewer.id as PersonId;
  if (channels.length === 0) throw new UserError('channels_empty');
  const person = await PersonModel.findById(personId);
  if (!person) throw new UserError('person_not_found', { ref: String(personId) });
  const missing = missingAddress(person, channels);
  if (missing) {
    const self = String(person._id) === String(addedBy);
    throw new UserError('channel_no_address', {
      channel: missing,
      name: person.name,
      // The person themselves is told in the second person ("you have no phone"), not by their name.
      ...(self ? { self: 1 } : {}),
      command: `${missing === 'email' ? '/email' : missing === 'sms' ? '/phone' : '/person invite'}${self ? '' : ` ${personRef(person)}`}`,
    });
  }
  const list = [...channels];
  for (let attempt = 0; ; attempt++) {
    const existing = await ObserverModel.findOne({ task: task._id, person: person._id });
    if (existing) {
      existing.channels = list;
      await existing.save();
      return { observer: existing, created: false };
    }
    try {
      const observer = await ObserverModel.create({ task: task._id, taskNumber, person: person._id, channels: list, addedBy });
      return { observer, created: true };
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 3) throw err;
    }
  }
}

/**
 * Stops the person watching the task; false when they were not watching it. Oneself: whoever can see the
 * task (an observer always can); someone else: admins.
 */
export async function unwatch(taskNumber: number, personId: PersonId, actor: Actor): Promise<boolean> {
  const viewer = await resolveViewer(actor);
  const task = await requireVisibleTask(taskNumber, viewer);
  if (!canSetObserver(viewer, personId)) throw new UserError('observe_others_denied', { number: taskNumber });
  const r = await ObserverModel.deleteOne({ task: task._id, person: personId });
  return r.deletedCount > 0;
}

export async function getObserver(taskNumber: number, personId: PersonId): Promise<ObserverDoc | undefined> {
  return (await ObserverModel.findOne({ taskNumber, person: personId })) ?? undefined;
}

/** Who watches the task, on which channels, by name; `task_not_found` when the actor may not see it. */
export async function listObservers(taskNumber: number, actor: Actor): Promise<Array<{ person: PersonDoc; channels: Channel[] }>> {
  const task = await requireVisibleTask(taskNumber, actor);
  const observers = await ObserverModel.find({ task: task._id }).lean();
  const people = await PersonModel.find({ _id: { $in: observers.map((o) => o.person) } });
  const byId = new Map(people.map((p) => [String(p._id), p]));
  return observers
    .flatMap((o) => {
      const person = byId.get(String(o.person));
      return person ? [{ person, channels: o.channels }] : [];
    })
    .sort((a, b) => a.person.name.localeCompare(b.person.name));
}

/** Tasks the person watches, with channels, by task number. */
export async function listWatched(personId: PersonId): Promise<Array<{ taskNumber: number; channels: Channel[] }>> {
  const list = await ObserverModel.find({ person: personId }).sort({ taskNumber: 1 }).lean();
  return list.map((o) => ({ taskNumber: o.taskNumber, channels: o.channels }));
}
