/**
 * Composing messages: what one person gets on one channel in one run is one message. Dispatch sends what
 * these functions compose, and `/send dry` counts the SMS parts of the very same composition, so the
 * preview and the message agree.
 */
import { createHash } from 'node:crypto';
import type { LeanRecipient } from '../db/documents.js';
import { ONE_ANSWER, RECIPIENT_FIELDS } from '../db/documents.js';
import { ChangeModel, PersonModel, ReminderModel, TaskModel } from '../db/models/index.js';
import type { Escalation } from '../domain/escalation.js';
import { reminderLines, renderReminderEmail } from '../domain/reminder-texts.js';
import { reminderMessage, seenButtons, telegramReminders } from './compose-reminders.js';
import { fitSms, type SmsAnalysis } from '../domain/sms-segments.js';
import { groupByTask, renderEmail, renderSms, renderTelegramRich, type TemplateKind } from '../domain/templates.js';
import { isTelegramAccount, type Channel } from '../domain/types.js';
import { notificationWords } from '../i18n/notification-words.js';
import type { OutgoingMessage } from './channels/types.js';
import { addressOf } from './new-delivery.js';
import { notificationItems, objectIds, peopleOfChanges, type ReminderLike } from './notification-items.js';
import { telegramText } from './telegram-format.js';

/** The least of a delivery that composing needs. */
export interface DeliveryRef {
  _id: unknown;
  change: unknown;
  task: unknown;
  person: unknown;
  channel: string;
  address: string;
}

/** The changes (or reminders), tasks and people (recipients and actors) a set of deliveries refers to, by id string. */
export interface BatchContext {
  changeById: Parameters<typeof notificationItems>[1];
  taskById: Parameters<typeof notificationItems>[2];
  personById: Map<string, LeanRecipient>;
  /** The due-date reminders some deliveries carry instead of a change (by the delivery's `change`). */
  reminderById?: Map<string, ReminderLike & { task: unknown; person: unknown }>;
}

/** What one person gets on one channel: one message about one or more deliveries. */
export interface MessageGroup<D extends DeliveryRef> {
  person: LeanRecipient;
  channel: Channel;
  deliveries: D[];
}

/** What composing needs of the settings. */
export interface ComposeSettings {
  templates: Partial<Record<TemplateKind, string>>;
  smsMaxParts: number;
  /** Domain of the sender address, for e-mail Message-IDs. */
  mailDomain: string;
  /**
   * The one-tap unsubscribe link (`https://t.me/<bot>?start=<signed payload>`) of a person and a task they
   * watch; unset when the bot's username is not known: letters then say to send `/unwatch N` to the bot.
   */
  unsubscribeLink?: (personId: string, taskNumber: number) => string;
  /**
   * With PUBLIC_URL: the one-click unsubscribe page of a person and a task (`<PUBLIC_URL>/unsubscribe/…`),
   * which works for everyone. Letters then lead there (and to the bot as well, for people with Telegram),
   * and carry `List-Unsubscribe-Post` (RFC 8058).
   */
  webUnsubscribeLink?: (personId: string, taskNumber: number) => string;
  /** With REPLY_DOMAIN: the signed reply address of a person and a task (`Reply-To` of a letter about one task). */
  replyAddress?: (personId: string, taskNumber: number) => string;
  /** Escalation minutes per priority: a Telegram message about a task of such a priority gets a "👍 Seen" button. */
  escalation?: Escalation;
}

/** Loads what `deliveries` refer to: four queries at once, whatever their number (and a fifth when their changes name people who get no message). */
export async function loadBatchContext(deliveries: DeliveryRef[]): Promise<BatchContext> {
  const refs = objectIds(deliveries.map((d) => d.change));
  const readPeople = (ids: unknown[]) =>
    PersonModel.find({ _id: { $in: objectIds(ids) } })
      .select(RECIPIENT_FIELDS)
      .batchSize(ONE_ANSWER)
      .lean<LeanRecipient[]>();
  // Four reads at once; then only the people the changes name who are not recipients too (their authors,
  // the assignees they set), usually none or a few.
  const [changes, reminders, tasks, recipients] = await Promise.all([
    ChangeModel.find({ _id: { $in: refs } })
      .batchSize(ONE_ANSWER)
      .lean(),
    ReminderModel.find({ _id: { $in: refs } })
      .select({ task: 1, person: 1, at: 1, due: 1, lead: 1 })
      .lean(),
    TaskModel.find({ _id: { $in: objectIds(deliveries.map((d) => d.task)) } })
      .batchSize(ONE_ANSWER)
      .lean(),
    readPeople(deliveries.map((d) => d.person)),
  ]);
  const known = new Set(recipients.map((p) => String(p._id)));
  const named = peopleOfChanges(changes).filter((id) => !known.has(String(id)));
  const people = named.length ? [...recipients, ...(await readPeople(named))] : recipients;
  return {
    changeById: new Map(changes.map((c) => [String(c._id), c])),
    taskById: new Map(tasks.map((t) => [String(t._id), t])),
    personById: new Map(people.map((p) => [String(p._id), p])),
    reminderById: new Map(reminders.map((r) => [String(r._id), r])),
  };
}

/**
 * Groups deliveries by person and channel, in their order. Those whose person, change or task no longer
 * exists are `orphans`: they cannot be composed.
 */
export function groupByRecipient<D extends DeliveryRef>(deliveries: D[], ctx: BatchContext): { groups: MessageGroup<D>[]; orphans: D[] } {
  const groups = new Map<string, MessageGroup<D>>();
  const orphans: D[] = [];
  for (const d of deliveries) {
    const person = ctx.personById.get(String(d.person));
    const about = ctx.changeById.has(String(d.change)) || ctx.reminderById?.has(String(d.change));
    if (!person || !about || !ctx.taskById.has(String(d.task))) {
      orphans.push(d);
      continue;
    }
    const key = `${String(d.person)}:${d.channel}`;
    const g = groups.get(key) ?? { person, channel: d.channel as Channel, deliveries: [] };
    g.deliveries.push(d);
    groups.set(key, g);
  }
  return { groups: [...groups.values()], orphans };
}

/**
 * The Message-ID of a group's e-mail, made from the deliveries it carries and nothing else: the same
 * deliveries, sent again after a crash, are the same message to the recipient's mail client; a message that
 * carries one more change is another. One delivery: its id at the sender's domain; several: the first id
 * (in id order) and a digest of all of them.
 */
export function messageIdOf(group: MessageGroup<DeliveryRef>, mailDomain: string): string {
  const ids = group.deliveries.map((d) => String(d._id)).sort();
  if (ids.length === 1) return `${ids[0]}@${mailDomain}`;
  const digest = createHash('sha256').update(ids.join(',')).digest('base64url').slice(0, 16);
  return `${ids[0]}.${digest}@${mailDomain}`;
}

/**
 * The message of one group, rendered from the templates; for SMS, cut to the part limit, with its analysis.
 * Due-date reminders in it read as their own lines (how long is left counted at `now`), before the changes.
 */
export function composeMessage(
  group: MessageGroup<DeliveryRef>,
  ctx: BatchContext,
  settings: ComposeSettings,
  now: Date = new Date(),
): { message: OutgoingMessage; sms?: SmsAnalysis } {
  const all = notificationItems(group.deliveries, ctx.changeById, ctx.taskById, (id) => ctx.personById.get(id)?.name, ctx.reminderById);
  const items = all.filter((i) => !i.reminder);
  const { person, channel } = group;
  const bot = settings.unsubscribeLink;
  const web = settings.webUnsubscribeLink;
  const id = String(person._id);
  const botLink = bot && isTelegramAccount(person.telegramId) ? (n: number) => bot(id, n) : undefined;
  const opts = {
    words: notificationWords(person.language),
    timezone: person.timezone,
    personName: person.name,
    nameOf: (personId: string) => ctx.personById.get(personId)?.name,
    ...(web
      ? { unsubscribeLink: (n: number) => web(id, n), unsubscribeVia: 'web' as const, ...(botLink ? { botUnsubscribeLink: botLink } : {}) }
      : bot
        ? { unsubscribeLink: (n: number) => bot(id, n) }
        : {}),
  };
  const to = addressOf(person, channel) ?? group.deliveries[0]!.address;
  const numbers = new Set(all.map((i) => i.task.number));
  const taskNumber = numbers.size === 1 ? all[0]!.task.number : undefined;
  const reminders = reminderLines(all, opts, now);
  const seen = seenButtons(items, opts.words.seen, settings.escalation);
  if (items.length === 0) {
    const message = reminderMessage(channel, to, reminders, () => renderReminderEmail(all, opts, now), taskNumber);
    if (channel !== 'sms') return { message };
    const fitted = fitSms(message.text, settings.smsMaxParts);
    return { message: { ...message, text: fitted.text }, sms: fitted.analysis };
  }
  switch (channel) {
    case 'email': {
      const mail = renderEmail(items, settings.templates, { ...opts, preface: reminders });
      const messageId = messageIdOf(group, settings.mailDomain);
      // RFC 8058 one-click only where the link is our web page, which takes the mail client's POST.
      const listUnsubscribe = mail.listUnsubscribe ? { listUnsubscribe: mail.listUnsubscribe, ...(web ? { oneClick: true } : {}) } : {};
      // An answer becomes a comment on the task (src/http/reply-intake.ts): only a letter about one task says which.
      const replyTo = taskNumber !== undefined && settings.replyAddress ? { replyTo: settings.replyAddress(id, taskNumber) } : {};
      return {
        message: {
          channel,
          to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId,
          taskNumber,
          ...listUnsubscribe,
          ...replyTo,
        },
      };
    }
    case 'sms': {
      const fitted = fitSms([...reminders, renderSms(items, settings.templates.sms, opts)].join('; '), settings.smsMaxParts);
      return { message: { channel, to, text: fitted.text }, sms: fitted.analysis };
    }
    case 'telegram': {
      const rich = renderTelegramRich(items, opts);
      const { text, entities } = telegramText(reminders.length ? [{ text: `${telegramReminders(reminders)}\n\n` }, ...rich] : rich);
      // Unwatching and channels act on one task; a digest of several gets an "open" button per task.
      const about = taskNumber !== undefined ? { taskNumber } : { taskNumbers: groupByTask(all).map((g) => g.task.number) };
      return { message: { channel, to, text, ...(entities.length ? { entities } : {}), ...about, ...seen } };
    }
  }
}
