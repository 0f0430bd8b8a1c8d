/** English texts; typed by the Russian ones, so that every key is here too. */
import { LABELS } from './labels.js';
import type { UserErrorCode, UserErrorParams } from '../domain/errors.js';
import type { Channel } from '../domain/types.js';
import { nameIn } from './lookup.js';
import type { Texts } from './ru.js';

type P = UserErrorParams;
const s = (v: string | number | undefined) => String(v ?? '');

// task access: what kind of number a phone is, for `phone_not_mobile` (libphonenumber's types)
const PHONE_TYPES_EN: Record<string, string> = {
  PREMIUM_RATE: 'a premium-rate number',
  TOLL_FREE: 'a toll-free number',
  SHARED_COST: 'a shared-cost number',
  VOIP: 'a VoIP number',
  UAN: 'a universal access number (UAN)',
  FIXED_LINE: 'a fixed-line (landline) number',
  PERSONAL_NUMBER: 'a personal number',
  PAGER: 'a pager number',
  VOICEMAIL: 'a voicemail number',
  UNKNOWN: 'a number of unknown type',
};

const errors: Record<UserErrorCode, (p: P) => string> = {
  email_invalid: (p) => `"${s(p.value)}" does not look like an e-mail address. Write it like this: /email ivan@example.org`,
  phone_invalid: (p) => `"${s(p.value)}" does not look like a phone number. Write it like this: /phone +7 912 345-67-89`,
  tz_invalid: (p) =>
    p.suggest
      ? `"${s(p.value)}" is not a known time zone. Did you mean ${s(p.suggest)}? E.g. /tz ${s(String(p.suggest).split(', ')[0])}`
      : `"${s(p.value)}" is not a known time zone. Use an IANA name, e.g. /tz Europe/London`,
  quiet_invalid: (p) =>
    `"${s(p.value)}" is not a time range. Write it like this: /quiet 22:00-08:00 (or /quiet 22:00-08:00 email for e-mails to wait too, or /quiet off)`,
  lang_invalid: (p) => `There is no language "${s(p.value)}". Use /lang ru or /lang en`,
  person_not_found: (p) => `Nobody called "${s(p.ref)}" here. See /people (use an @username or id)`,
  person_ambiguous: (p) =>
    p.names
      ? `"${s(p.ref)}" belongs to several people: ${s(p.names)}. Use their @username or id from /people`
      : `Several people are called "${s(p.ref)}". Use their @username or id from /people`,
  contact_taken: (p) =>
    p.kind === 'phone'
      ? `Phone ${s(p.value)} is already set for ${s(p.names)}. One number, one person: remove it there first (/phone @username off).`
      : `E-mail ${s(p.value)} is already set for ${s(p.names)}. One address, one person: remove it there first (/email @username off).`,
  contact_taken_private: (p) =>
    `${p.kind === 'phone' ? 'The number' : 'The address'} ${s(p.value)} is already set for someone else. If it is yours, write to an admin.`,
  contact_unchanged: (p) => `${s(p.value)} is your ${p.kind === 'phone' ? 'phone' : 'e-mail'} already: nothing to change.`,
  code_too_many: (p) => `A code can be asked for at most ${s(p.max)} times an hour. Try again in ${s(p.minutes)} min.`,
  code_sms_off: () => 'Confirming a phone by SMS is off. Ask an admin to set your number: /phone @username +7…',
  code_sms_day_limit: () => "Today's SMS codes are used up. Try again tomorrow, or ask an admin to set your number.",
  code_channel_missing: (p) =>
    p.channel === 'sms'
      ? 'The SMS gateway is not set up yet, so the code cannot be sent. Ask an admin to set up /sms, then try again.'
      : 'The mail server is not set up yet, so the code cannot be sent. Ask an admin to set up /smtp, then try again.',
  code_send_failed: (p) =>
    p.channel === 'sms'
      ? 'The SMS with the code did not go out: the gateway refused it. Check the number and try again; if it fails again, tell an admin.'
      : 'The letter with the code did not go out: the mail server refused it. Check the address and try again; if it fails again, tell an admin.',
  code_form: () => 'A code is the six digits from the letter or SMS. Send them, e.g.: /confirm 123456',
  code_none: () => 'No code is waiting. To change your address, send /email ivan@example.org or /phone +79123456789 and a code will come.',
  code_expired: () => 'The code has expired. Ask for a new one: /email or /phone with the address again.',
  code_tries_used: () => 'Too many wrong codes: this one no longer works. Ask for a new one: /email or /phone with the address again.',
  code_wrong: (p) => `That code is not right. Tries left: ${s(p.left)}.`,
  last_admin: (p) =>
    p.self
      ? 'You are the last admin; make someone else admin first: /admin @username'
      : `${s(p.name)} is the last admin; make someone else admin first: /admin @username`,
  task_number_invalid: (p) => `"${s(p.value)}" is not a task number. A task number is a number, e.g. 12`,
  task_not_found: (p) => `There is no task #${s(p.number)}. Your tasks: /tasks`,
  field_unknown: (p) =>
    `There is no field "${s(p.value)}". You can change: title, description, status, priority, due, assignee, private (on/off). E.g. /edit 12 status in_progress`,
  title_empty: () => 'The title is empty. Write it like this: /newtask Prepare the report',
  title_too_long: (p) => `The title is longer than ${s(p.max)} characters (${s(p.length)}). Make it shorter`,
  text_empty: () => 'The text is empty',
  text_too_long: (p) => `The text is longer than ${s(p.max)} characters (${s(p.length)}). Make it shorter`,
  status_invalid: () => 'No such status. Use: new, in_progress, review, done, cancelled',
  priority_invalid: () => 'No such priority. Use: low, normal, high, urgent',
  due_invalid: (p) => `"${s(p.value)}" is not a date. Write: 25.12.2026, 25.12.2026 18:00, 2026-12-25, +3d (in 3 days) or off`,
  no_change: (p) => `Task #${s(p.number)} already has that value; nothing changed`,
  edit_busy: (p) => `Task #${s(p.number)} is being changed by others right now; please try again`,
  channel_unknown: (p) => `There is no channel "${s(p.value)}". Use: email, sms, telegram`,
  channels_empty: () => 'Pick at least one channel: email, sms or telegram',
  channel_no_address: (p) =>
    p.self
      ? p.channel === 'email'
        ? `You have no e-mail address for e-mail notifications. Add one: ${s(p.command)} ivan@example.org — then try again`
        : p.channel === 'sms'
          ? `You have no phone for SMS notifications. Add one: ${s(p.command)} +79123456789 — then try again`
          : 'Telegram notifications come once you write to the bot. Or choose email, sms'
      : p.channel === 'email'
        ? `${s(p.name)} has no e-mail address for e-mail notifications. Add one: ${s(p.command)} ivan@example.org — then try again`
        : p.channel === 'sms'
          ? `${s(p.name)} has no phone for SMS notifications. Add one: ${s(p.command)} +79123456789 — then try again`
          : `${s(p.name)} is not on Telegram yet. Invite them: ${s(p.command)} — or choose email, sms`,
  not_watching: (p) => `You do not watch task #${s(p.number)}`,
  template_kind_unknown: () => 'No such template. Use: email_subject, email_body, sms. E.g. /template sms',
  template_unknown_placeholders: (p) =>
    `Unknown fields in the template: ${s(p.unknown)}. The template was not saved. Fields: {task.number} {task.title} {task.status} {task.priority} {task.due} {task.description} {changes} {actor} {date} {person.name}`,
  template_too_long: (p) => `The template is longer than ${s(p.max)} characters (${s(p.length)}). Make it shorter`,
  schedule_invalid: (p) =>
    `"${s(p.value)}" is not a schedule. Write: /schedule every 5 min, /schedule */10 * * * * or /schedule off (1 to 1440 minutes)`,
  cron_invalid: (p) =>
    `"${s(p.value)}" is not a valid cron expression. Five fields: minute hour day month weekday, e.g. /schedule 0 9-18 * * 1-5`,
  smtp_url_invalid: (p) =>
    `I could not read the server address: ${s(p.reason)}. Write it like this: /smtp smtps://login:password@smtp.example.org:465 "Name <from@example.org>"`,
  smtp_host_invalid: (p) => `"${s(p.value)}" is not a mail server name. E.g. smtp.example.org`,
  smtp_port_invalid: (p) => `"${s(p.value)}" is not a port. A port is a number 1–65535, usually 465 or 587`,
  smtp_security_invalid: (p) => `"${s(p.value)}" is not a security mode. Use: tls (port 465), starttls (587), none`,
  smtp_from_invalid: (p) => `"${s(p.value)}" is not a sender address. Write: Name <from@example.org> or from@example.org`,
  smtp_from_missing: () =>
    'The sender address is missing. Add it at the end: /smtp smtps://login:password@smtp.example.org:465 "Name <from@example.org>"',
  smtp_not_configured: () => 'The mail server is not set up. Set it up: /smtp',
  sms_provider_unknown: (p) => `There is no SMS gateway "${s(p.value)}". Use: ${s(p.values)}`,
  sms_key_unknown: (p) =>
    `There is no setting "${s(p.key)}". Use: api_id, login, password, api_key, token, sender, translit, test, parts, fallback. E.g. /sms smsru api_id=XXXX sender=MyCompany`,
  sms_value_invalid: (p) => `"${s(p.value)}" does not fit "${s(p.key)}"`,
  sms_incomplete: (p) =>
    `"${s(p.missing)}" is missing. E.g. /sms smsru api_id=XXXX, /sms smsc login=… password=…, /sms smsaero login=… api_key=…, /sms twilio login=ACxxxx token=… sender=+15550001111`,
  sms_sender_invalid: (p) =>
    p.provider === 'twilio'
      ? `"${s(p.value)}" is not a Twilio sender number. Write it as +15550001111`
      : `"${s(p.value)}" is not a sender name: up to 11 Latin letters and digits, e.g. MyCompany`,
  sms_not_configured: () => 'The SMS gateway is not set up. Set it up: /sms',
  // task access
  task_change_denied: (p) => `Only the author, the assignee or an admin can change task #${s(p.number)}.`,
  observe_others_denied: (p) => `Only admins add or remove other observers. To watch it yourself: /watch ${s(p.number)}`,
  on_off_invalid: (p) => `"${s(p.value)}" is neither on nor off. E.g. /edit 12 private on`,
  person_ref_invalid: (p) =>
    p.candidates
      ? `"${s(p.ref)}" is not an @username or id. Whom did you mean: ${s(p.candidates)}? Try again with the @username or id. Nothing changed`
      : `"${s(p.ref)}" is not an @username or id. Name a person by @username or id (see /people). Nothing changed`,
  phone_not_mobile: (p) =>
    `${s(p.value)} is ${PHONE_TYPES_EN[s(p.type)] ?? PHONE_TYPES_EN.UNKNOWN}: SMS are not sent to it. Enter a mobile number, e.g. /phone +7 912 345-67-89`,
  phone_country_refused: (p) =>
    `${s(p.value)} is a number of ${s(p.country)}, and SMS go only to numbers of: ${s(p.allowed)}. Enter a mobile number of one of them (an admin sets the list: /sms countries=…)`,
  sms_countries_invalid: (p) =>
    `"${s(p.value)}" is not a list of countries. Write ISO codes separated by commas: /sms countries=RU,KZ (or countries=any for any country)`,
  send_all_denied: () => 'Only an admin can send all notifications at once. For your task: /send 12',
  send_cooldown: (p) => `/send works at most once in ${s(p.every)} s. Try again in ${s(p.seconds)} s.`,
  // membership
  invite_args_invalid: (p) =>
    `"${s(p.value)}" does not fit. Write: /invite [how many people, 1–${s(p.maxUses)}] [how many days, 1–${s(p.maxDays)}], e.g. /invite 5 7`,
  settings_conflict: () =>
    'Another admin has just changed the settings; your change was not saved. Look at the current ones and try again: /smtp, /sms, /template, /schedule',
  smtp_insecure_login: () =>
    'This server has no encryption: the login and password would go in clear. Choose TLS (465) or STARTTLS (587), or, if there is no other way, add the word insecure at the end: /smtp smtp://login:password@host:25 "Name <from@example.org>" insecure',
  // people without Telegram (issue 12)
  person_name_invalid: (p) =>
    `A name of 1 to ${s(p.max)} characters is needed, in quotes: /person add "Ivan Petrov" email=ivan@example.org`,
  person_contact_missing: () => 'Give an e-mail or a phone (or both): /person add "Ivan Petrov" email=ivan@example.org phone=+79123456789',
  person_has_telegram: (p) => `${s(p.name)} is on Telegram already: no invite needed`,
  url_without_source: () => 'A url is kept only for a task from another tracker: give both source and externalId',
  // digest modes (issue 11)
  digest_invalid: (p) =>
    `"${s(p.value)}" is not a digest mode. Write: /digest now (at once, with every run) or /digest daily 18:00 (once a day at 18:00 in your time zone; /digest daily 18:00 sms — with SMS). Nothing was changed`,
  // answering a notification (issue 23)
  reply_undo_gone: () => 'That comment is gone already: nothing to undo.',
  reply_undo_late: (p) => `Too late: the comment on task #${s(p.number)} has gone out to its observers. Nothing was changed.`,
  reply_text_only: () =>
    'A comment can only be text: photos, files and voice messages are not added. Answer the notification with text. Nothing was added.',
  // reminders and escalation (issue 24)
  remind_invalid: (p) =>
    `"${s(p.value)}" is not what /remind takes. Say how long before the due time: /remind 1d 2h (d days, h hours, m minutes; above zero and at most 30 days, up to 5), ` +
    '/remind off for none, /remind default for 24 hours and 1 hour before, /remind author on for the tasks you authored too. Nothing was changed',
  escalate_invalid: (p) =>
    `"${s(p.value)}" is not what /escalate takes. Give a priority (low, normal, high, urgent) and minutes from 1 to 1440: /escalate high 15, or /escalate high off. Nothing was changed`,
};

const channelNames = { email: 'e-mail', sms: 'SMS', telegram: 'Telegram' } satisfies Record<Channel, string>;

export const en: Texts = {
  langName: 'English',
  errors,
  unexpected: (id: string) => `Something went wrong (error id ${id}). Please try again; if it happens again, tell an admin this id.`,
  telegramBusy: (seconds: number) =>
    `Telegram asked the bot to wait ${seconds} s, and the answer to your last message did not go out. Please send it again.`,
  adminOnly: 'This command is for admins only. Nothing was changed.',
  cancel: 'Cancel',
  cancelled: 'Cancelled. Nothing was saved.',
  nothingToCancel: 'There is nothing to cancel.',
  unknownCommand: (cmd: string) => `I do not know the command ${cmd}. The commands: /help`,
  notACommand: 'Send a command, e.g. /help — the list of everything I can do.',
  typeOrPress: 'Type the answer or press a button. To cancel: /cancel',
  none: '—',
  save: 'Save',
  on: 'on',
  off: 'off',
  channel: (c: string) => nameIn(channelNames, c),
  status: LABELS.en.status,
  priority: LABELS.en.priority,
  field: LABELS.en.field,
  role: { author: 'author', assignee: 'assignee', observer: 'observer' },

  welcome: (name: string) =>
    `Hello, ${name}! I am taskwatch: I tell you by e-mail, SMS and in Telegram when tasks you take part in change.\n\n` +
    'Where to start:\n' +
    '1. /email ivan@example.org — the address for notifications\n' +
    '2. /phone +79123456789 — the phone for SMS\n' +
    '3. /newtask Prepare the report — a new task\n' +
    '4. /watch 12 email sms — watch task 12\n\n' +
    'All commands with examples: /help',
  welcomeAdmin: 'You are an admin: mail server — /smtp, SMS gateway — /sms, templates — /template, schedule — /schedule.',
  helpTitle: 'What I can do (a command with arguments acts at once; without them I ask step by step, /cancel stops):',
  helpAdminTitle: 'For admins:',
  commands: {
    start: { desc: 'start and say hello', example: '/start' },
    help: { desc: 'the list of commands', example: '/help' },
    me: { desc: 'my profile', example: '/me' },
    email: { desc: 'e-mail for notifications (off clears)', example: '/email ivan@example.org' },
    phone: { desc: 'phone for SMS (off clears)', example: '/phone +7 912 345-67-89' },
    confirm: { desc: 'the code from the letter or SMS: the new address starts to work', example: '/confirm 123456' },
    tz: { desc: 'time zone', example: '/tz Europe/London' },
    quiet: { desc: 'quiet hours: SMS (and e-mail, with the word email) wait till morning', example: '/quiet 22:00-08:00 email' },
    channels: {
      desc: 'channels for changes to your own tasks (author, assignee): email, sms, telegram; off — none; without arguments — buttons',
      example: '/channels email telegram',
    },
    digest: {
      desc:
        'digest: now — with every run; daily HH:MM — one message a day (your time zone, with the first run at or after that time). ' +
        'In daily mode no SMS come for changes (e-mail and Telegram carry the digest); with the word sms, SMS come once a day too, in the digest',
      example: '/digest daily 18:00 sms',
    },
    remind: {
      desc:
        'due-date reminders (to the assignee): how long before the due time (d days, h hours, m minutes), and once when overdue; ' +
        'off for none; author on for the tasks you authored too. By default 24 hours and 1 hour before',
      example: '/remind 1d 2h',
    },
    lang: { desc: 'language: ru or en', example: '/lang ru' },
    newtask: { desc: 'a new task', example: '/newtask Prepare the report' },
    tasks: { desc: 'my tasks', example: '/tasks' },
    task: { desc: 'one task in full', example: '/task 12' },
    edit: {
      desc: 'change a field: title, description, status, priority, due, assignee, private',
      example: '/edit 12 due 25.12.2026 18:00',
    },
    done: { desc: 'mark as done', example: '/done 12' },
    comment: { desc: 'comment on a task (or just answer its notification)', example: '/comment 12 Started' },
    watch: { desc: 'watch a task: email, sms, telegram', example: '/watch 12 email sms' },
    unwatch: { desc: 'stop watching', example: '/unwatch 12' },
    observers: { desc: 'who watches a task', example: '/observers 12' },
    people: { desc: 'people (contacts: admins only)', example: '/people' },
    send: { desc: 'send notifications of your task now (admins: all)', example: '/send 12' },
    cancel: { desc: 'cancel the conversation', example: '/cancel' },
    observe: { desc: 'add an observer', example: '/observe 12 @ivan sms' },
    unobserve: { desc: 'remove an observer', example: '/unobserve 12 @ivan' },
    admin: { desc: 'make or unmake an admin', example: '/admin @ivan (or /admin @ivan off)' },
    smtp: { desc: 'mail server; test checks it', example: '/smtp smtps://login:pass@smtp.example.org:465 "Name <from@example.org>"' },
    sms: { desc: 'SMS gateway; test, balance, senders', example: '/sms smsru api_id=XXXX sender=MyCompany' },
    template: { desc: 'templates: email_subject, email_body, sms', example: '/template sms #{task.number} {task.title}: {changes}' },
    schedule: { desc: 'automatic dispatch', example: '/schedule every 5 min' },
    escalate: {
      desc: 'escalation: a change to a task of this priority goes by Telegram first, its SMS only if the person has not pressed "👍 Seen" within the minutes; off to stop',
      example: '/escalate high 15',
    },
    queue: { desc: 'the notification queue', example: '/queue' },
    dry: { desc: 'who would get what, sending nothing', example: '/send dry' },
    // membership
    invite: { desc: 'an invite link; list shows them, revoke withdraws one', example: '/invite 5 7 (5 people, 7 days)' },
    members: { desc: 'members, join requests, removed people', example: '/members' },
    remove: { desc: 'remove someone from the team', example: '/remove @ivan' },
    readmit: { desc: 'let a removed person back', example: '/readmit @ivan' },
    // issue 12
    api: { desc: 'HTTP API tokens: new, list, revoke', example: '/api new erp write' },
    person: {
      desc: 'a person without Telegram: add, invite',
      example: '/person add "Ivan Petrov" email=ivan@example.org phone=+79123456789',
    },
  },

  profileTitle: (name, username, admin) => `Profile: ${name}${username ? ` (@${username})` : ''}${admin ? ', admin' : ''}`,
  profileEmail: (v) => `E-mail: ${v ?? 'not set — /email ivan@example.org'}`,
  profilePhone: (v) => `SMS phone: ${v ?? 'not set — /phone +79123456789'}`,
  profilePending: (v) => `Waiting for the code: ${v} (send the six digits from the letter or SMS)`,
  codeSent: (kind, v, minutes) =>
    (kind === 'phone' ? `I sent an SMS with a code to ${v}.` : `I sent a letter with a code to ${v}.`) +
    ` Send the code here within ${minutes} minutes, just the six digits (or /confirm 123456). Until then nothing goes to ${v}.`,
  codeLetterSubject: (code) => `taskwatch: confirmation code ${code}`,
  codeLetterBody: (name, code, minutes) =>
    `Hello,\n\n${name} asked the taskwatch bot in Telegram to send task notifications to this address.\n\n` +
    `Confirmation code: ${code}\n\nSend it to the bot within ${minutes} minutes. If it was not you, do nothing: without the code nothing will come here.`,
  codeSms: (code, minutes) => `taskwatch code: ${code}. Send it to the bot within ${minutes} min.`,
  profileChannels: (v) => `Channels for my own tasks (author, assignee): ${v}`,
  profileDigest: (v) => `Digest: ${v}`,
  profileRemind: (v) => `Due-date reminders: ${v}`,
  lead: (lead) => {
    const m = /^(\d+)([dhm])$/.exec(lead);
    if (!m) return lead;
    const n = Number(m[1]);
    const unit = m[2] === 'd' ? 'day' : m[2] === 'h' ? 'hour' : 'minute';
    return `${n} ${unit}${n === 1 ? '' : 's'}`;
  },
  remindOn: (leads, author) =>
    `${leads} before the due time, and once when overdue${author ? '; also for the tasks you authored' : ' (for the tasks assigned to you)'}`,
  remindOff: 'none (/remind default: 24 hours and 1 hour before)',
  remindShow: (v) => `Due-date reminders: ${v}.`,
  remindUsage:
    'To change: /remind 1d 2h (d days, h hours, m minutes), /remind off for none, /remind author on|off for the tasks you authored. Reminders come on your channels (/channels); in your quiet hours SMS wait for the morning.',
  remindSaved: (v) => `Saved. Due-date reminders: ${v}.`,
  escalateLine: (priority, minutes) => `priority ${priority}: SMS after ${minutes} min unless "👍 Seen" was pressed`,
  escalateNone: 'off: SMS go at once with the other notifications',
  escalateShow: (v) => `Escalation:\n${v}`,
  escalateUsage: 'To change: /escalate high 15 (low, normal, high, urgent; 1 to 1440 minutes), /escalate high off to stop.',
  escalateSaved: (v) => `Saved. Escalation:\n${v}`,
  seenThanks: '👍 Noted: no SMS about it',
  queueEscalation: (waiting, saved) => `Escalation: SMS waiting for "Seen" — ${waiting}, SMS saved (seen in Telegram in time) — ${saved}.`,
  profileLang: (v) => `Language: ${v}`,
  profileTz: (v) => `Time zone: ${v}`,
  profileQuiet: (v, email) => `Quiet hours: ${v ?? 'none'}${v ? (email ? ' (SMS and e-mail wait)' : ' (SMS wait)') : ''}`,
  profileWatching: (v) => `Watching: ${v ?? 'nothing — /watch 12'}`,
  emailSaved: (v) => `E-mail saved: ${v}. E-mail notifications will go there.`,
  emailCleared: 'E-mail removed.',
  emailSavedFor: (name, v) => `E-mail of ${name}: ${v}.`,
  emailClearedFor: (name) => `E-mail of ${name} removed.`,
  phoneSaved: (v) => `SMS phone saved: ${v}.`,
  phoneCleared: 'Phone removed.',
  phoneSavedFor: (name, v) => `Phone of ${name}: ${v}.`,
  phoneClearedFor: (name) => `Phone of ${name} removed.`,
  askEmail: 'Send the e-mail address for notifications (or off to remove it):',
  askPhone: 'Send the phone for SMS, e.g. +7 912 345-67-89 (or off to remove it):',
  tzSaved: (v) => `Time zone: ${v}. I read and show due dates in it.`,
  askTz: 'Pick a time zone or type its name (e.g. Asia/Yekaterinburg):',
  quietSaved: (v, email) =>
    `Quiet hours: ${v}. ${email ? 'SMS and e-mails wait' : 'SMS wait'} until they end.` +
    (email ? '' : ' For e-mails to wait too: /quiet 22:00-08:00 email'),
  quietCleared: 'Quiet hours are off.',
  askQuiet: 'Type quiet hours, e.g. 22:00-08:00, or pick:',
  quietOff: 'No quiet hours',
  langSaved: 'Language: English.',
  askLang: 'Выберите язык / Choose the language:',

  askTitle: 'What is the task called?',
  taskCreated: (n, title) => `Task #${n} created: "${title}".\nWatch it: /watch ${n} email sms · change it: /edit ${n} due 25.12.2026`,
  watchButton: 'Watch / channels',
  unwatchButton: 'Stop watching',
  doneButton: 'Done',
  observersButton: 'Observers',
  noTasks: 'You have no tasks yet. Create one: /newtask Prepare the report',
  tasksTitle: 'Your tasks:',
  taskLine: (n, title, status, roles) => `#${n} ${title} — ${status} (${roles})`,
  taskTitle: (n, title) => `Task #${n}: ${title}`,
  taskStatus: (v) => `Status: ${v}`,
  taskPriority: (v) => `Priority: ${v}`,
  taskDue: (v) => `Due: ${v ?? '—'}`,
  taskAuthor: (v) => `Author: ${v}`,
  taskAssignee: (v) => `Assignee: ${v ?? '—'}`,
  taskObservers: (n, mine) => `Observers: ${n}${mine ? `; you — ${mine}` : ''}`,
  taskDescription: (v) => `Description: ${v}`,
  taskChanges: 'Latest changes:',
  changeLine: (who, when, what) => `${when} ${who}: ${what}`,
  changeField: (field, from, to) => `${field}: ${from || '—'} → ${to || '—'}`,
  changeComment: (text) => `comment: ${text}`,
  askTaskNumber: 'Task number?',
  askField: 'What to change?',
  askValue: (field) =>
    ({
      title: 'New title:',
      description: 'New description (or off to clear):',
      status: 'New status:',
      priority: 'New priority:',
      due: 'New due date: 25.12.2026, 25.12.2026 18:00, +3d or off',
      assignee: 'Assignee: @username or id from /people (off removes):',
      private: 'Private? on — only the people in it and admins see it, off — everyone:',
    })[field] ?? 'New value:',
  edited: (n, field, from, to) => `Task #${n}: ${field} "${from || '—'}" → "${to || '—'}".`,
  askComment: 'The comment:',
  commented: (n) => `Comment added to task #${n}.`,
  // answering a notification (issue 23)
  replyAdded: (n, minutes) => `Comment added to task #${n}; its observers get it in ${minutes} min, and until then you can undo it.`,
  replyMailSubject: (n) => `Your comment on task #${n} was not added`,
  replyMailBody: (n, why) =>
    `Your answer to the notification about task #${n} did not become a comment: ${why}.\n\nNothing was changed. Answer the letter again, or write to the bot: /comment ${n} <text>`,
  replyUndoButton: '↩️ Undo',
  replyUndone: (n) => `Comment on task #${n} withdrawn: nobody got it.`,
  replyWhichTask: 'This notification is about several tasks. Which one is your comment for?',
  replyDraftGone: 'The text of the comment is no longer here: answer the notification again.',
  askReply: (n) => `Your comment on task #${n} (as text):`,
  sendHint: (n) => `Send the notifications now: /send ${n}`,

  pickChannels: (n, title) => `Task #${n} "${title}": how should I notify you? Tick the channels and press "Save".`,
  watching: (n, title, channels) => `You watch task #${n} "${title}": ${channels}.`,
  unwatched: (n) => `You no longer watch task #${n}.`,
  notWatching: (n) => `You were not watching task #${n}.`,
  linkUnwatched: (n, title) =>
    `Done: you no longer watch task #${n} "${title}", and get no more notifications of it as its observer. To watch it again: /watch ${n}`,
  linkNotWatching: (n) => `You no longer watch task #${n}: there is nothing to unsubscribe from. To watch it again: /watch ${n}`,
  linkNotYours:
    'This link comes from a letter sent to someone else, so it changes nothing here. To stop watching a task, send /unwatch <number>.',
  linkBad:
    'This unsubscribe link does not work: it is damaged or out of date. To stop watching the task of the letter, send /unwatch <number>; your tasks: /tasks.',
  askUnwatch: 'Stop watching which task?',
  observersTitle: (n, title) => `Observers of task #${n} "${title}":`,
  observerLine: (name, channels) => `• ${name} — ${channels}`,
  noObservers: (n) => `Task #${n} has no observers. Watch it: /watch ${n}`,
  askPerson: 'Who? Type an @username or id (see /people):',
  askChannels: 'Which channels?',
  allChannels: 'All three',
  observeDone: (name, n, channels) => `${name} now watches task #${n}: ${channels}.`,
  unobserved: (name, n) => `${name} no longer watches task #${n}.`,
  notObserver: (name, n) => `${name} was not watching task #${n}.`,

  peopleTitle: 'People:',
  personLine: (name, username, admin, email, phone) =>
    `• ${name}${username ? ` @${username}` : ''}${admin ? ' (admin)' : ''} — e-mail: ${email}; phone: ${phone}`,
  peopleAdminHint: "Set someone's contact: /email @username address, /phone @username number",
  adminsTitle: 'Admins:',
  adminUsage: 'Make admin: /admin @username; unmake: /admin @username off',
  promoted: (name) => `${name} is now an admin.`,
  demoted: (name) => `${name} is no longer an admin.`,
  alreadyAdmin: (name) => `${name} is already an admin.`,
  notAdmin: (name) => `${name} is not an admin anyway.`,
  adminFromConfig: (name) => `${name} is an admin by the ADMIN_IDS setting; remove their id there to unmake them. Nothing was changed.`,

  smtpTitle: 'Mail server (SMTP):',
  smtpNone: 'The mail server is not set up.',
  smtpShow: (host, port, security, user, password, from) =>
    `Server: ${host}:${port}, security: ${security}\nLogin: ${user}\nPassword: ${password}\nSender: ${from}`,
  smtpHelp:
    'Change: /smtp smtps://login:password@smtp.example.org:465 "Name <from@example.org>" or /smtp setup (step by step)\nCheck: /smtp test · remove: /smtp off',
  smtpSaved: 'Mail server saved. Check it: /smtp test',
  smtpCleared: 'Mail server settings removed.',
  passwordDeleted: 'I deleted the message with the password (key) from the chat.',
  passwordNotDeleted: 'Please delete the message with the password (key) from the chat yourself.',
  askSmtpHost: 'Step 1/6. Mail server address (e.g. smtp.gmail.com):',
  askSmtpPort: 'Step 2/6. Port:',
  askSmtpSecurity: 'Step 3/6. Connection security:',
  askSmtpUser: 'Step 4/6. Login (usually the mail address):',
  askSmtpPassword: 'Step 5/6. Password (I delete the message with it at once):',
  askSmtpFrom: 'Step 6/6. Sender address, e.g.: Notifications <tasks@example.org>',
  noLogin: 'No login',
  smtpTesting: 'Checking the mail server…',
  smtpTestOk: (verify, to, answer) => `Connection is fine: ${verify}.\nA test letter went to ${to}. Server answer: ${answer}`,
  smtpTestFailed: (why, answer) => `The check failed: ${why}. Server answer: "${answer}"`,
  smtpTestNeedEmail: 'The test letter goes to your e-mail, which is not set. First: /email ivan@example.org',
  smtpTestSubject: 'taskwatch: test letter',
  smtpTestBody: (name) => `Hello, ${name}!\n\nThis is a test letter from taskwatch: the mail server is set up right.`,

  smsTitle: 'SMS gateway:',
  smsNone: 'The SMS gateway is not set up.',
  smsShow: (o) =>
    `Gateway: ${o.provider}\nLogin: ${o.login}\n${o.secretKind}: ${o.secret}\nSender name: ${o.sender}\n` +
    `Transliteration: ${o.translit}; test mode: ${o.testMode}\nAt most ${o.maxParts} SMS per message; when an SMS fails — ${o.fallback}`,
  smsSenderNone: "none (the account's number sends)",
  smsFallback: { none: 'nothing', telegram: 'to Telegram', email: 'to e-mail' },
  smsHelp:
    'Change: /sms smsru api_id=XXXX sender=MyCompany (or /sms smsru login=… password=…), /sms setup — step by step\n' +
    'More: translit=on, test=on, parts=3, fallback=telegram|email|none\nCheck: /sms test · balance: /sms balance · sender names: /sms senders · remove: /sms off',
  smsSaved: 'SMS gateway saved. Check it: /sms test',
  smsCleared: 'SMS gateway settings removed.',
  smsSenderApproved: (name) => `Sender name "${name}" is approved by the gateway.`,
  smsSenderNotApproved: (name, list) =>
    `Note: the gateway has not approved the sender name "${name}" (approved: ${list || 'none'}). Saved anyway, but SMS with it will not go out until the name is approved on the gateway's site.`,
  smsSenderUnchecked: (why, answer) => `Could not check the sender name: ${why}. Gateway answer: "${answer}"`,
  askSmsProvider: 'Step 1. Which SMS gateway?',
  askSmsAuth: 'How to log in to sms.ru?',
  authApiId: 'api_id',
  authLogin: 'login and password',
  askSmsApiId: 'api_id from your sms.ru account (I delete the message from the chat):',
  askSmsLogin: (provider) =>
    provider === 'twilio' ? 'Account SID (ACxxxx…):' : provider === 'smsaero' ? 'Login (SMS Aero e-mail):' : 'Login:',
  askSmsSecret: (kind) =>
    `${kind === 'api_key' ? 'API key' : kind === 'auth_token' ? 'Auth Token' : 'Password'} (I delete the message from the chat):`,
  askSmsSender: (provider) =>
    provider === 'twilio'
      ? 'Twilio sender number, e.g. +15550001111:'
      : "Sender name — only one the gateway approved; without it SMS come from the account's number:",
  noSender: 'No name',
  smsChecking: 'Checking the SMS gateway…',
  smsTestOk: (v) => `The SMS gateway answers: ${v}`,
  smsFailed: (why, answer) => `The SMS gateway check failed: ${why}. Gateway answer: "${answer}"`,
  smsBalance: (amount, currency) => `Balance: ${amount} ${currency}`,
  smsSenders: (list) => `Approved sender names: ${list}`,
  smsSendersEmpty: "No approved sender names: SMS come from the account's number.",
  smsNoSenders: (provider) => `The ${provider} gateway has no list of sender names.`,

  templateKindName: { email_subject: 'e-mail subject', email_body: 'e-mail body', sms: 'SMS text' },
  templateShow: (kind, name, text, isDefault) => `Template ${kind} (${name})${isDefault ? ', default' : ''}:\n${text}`,
  templateHelp: (kind) =>
    `Change: /template ${kind} <text>; back to the default: /template ${kind} default\nFields: {task.number} {task.title} {task.status} {task.priority} {task.due} {task.description} {changes} {actor} {date} {person.name}`,
  templatesTitle: 'Notification templates. Which one to show or change?',
  templateSaved: (kind) => `Template ${kind} saved.`,
  templateReset: (kind) => `Template ${kind} is back to the default.`,
  templatePreview: (text) => `Preview:\n${text}`,
  smsStats: (encoding, units, parts) =>
    `${encoding}, ${units} ${units === 1 ? 'character' : 'characters'}, ${parts} SMS` +
    (encoding === 'UCS-2' ? ' (Cyrillic: 70 in one SMS, 67 per part when split)' : ' (Latin: 160 in one SMS, 153 per part when split)'),
  smsPartLimit: (maxParts, truncated) =>
    truncated
      ? `Longer than the limit of ${maxParts} ${maxParts === 1 ? 'part' : 'parts'}: cut as the recipient would get it (limit: /sms parts=N).`
      : `Limit: ${maxParts} ${maxParts === 1 ? 'part' : 'parts'} (/sms parts=N).`,
  askTemplateText: (kind) => `New text of the template ${kind} (or default to restore it):`,

  scheduleShow: (v) => `Automatic dispatch: ${v}.`,
  scheduleEvery: (n) => `every ${n} ${n === 1 ? 'minute' : 'minutes'}`,
  scheduleCron: (v) => `by cron "${v}"`,
  scheduleOff: 'off (only by /send)',
  scheduleSaved: (v) => `Schedule saved: ${v}.`,
  scheduleNotApplied: 'The schedule is saved but could not be applied now; it takes effect on restart.',
  askSchedule: 'How often to send notifications? Pick or type (every 10 min, a cron expression, off):',

  sending: 'Sending notifications…',
  ownChannelsNone: 'none (to turn on: /channels email)',
  ownChannelsAsk: (v) =>
    `Channels for changes to your own tasks (you are the author or assignee): ${v}.\nPress a channel to turn it on or off, then "Done".`,
  ownChannelsSaved: (v) => `Changes to your own tasks (you are the author or assignee) will come by: ${v}.`,
  ownChannelsOff: 'You will hear nothing more of changes to your own tasks (you are the author or assignee). To turn on: /channels email',
  finishButton: 'Done',
  notYourButton: 'This button is not yours. Nothing was changed.',
  digestNow: 'with every run (/digest now)',
  digestDaily: (time, zone, sms) => `once a day at ${time} (${zone}), ${sms ? 'SMS in the digest too' : 'no SMS'}`,
  digestUsage: 'To change: /digest now or /digest daily 18:00 (with the word sms, SMS come once a day too)',
  digestSavedNow: 'Digest with every run: notifications come with the next one. Those held for a digest go with it.',
  digestSavedDaily: (time, zone, sms) =>
    `Digest once a day at ${time}, ${zone} time: everything changed since the last one comes as one message per channel ` +
    `with the first run at or after ${time} (time zone: /tz). ` +
    (sms
      ? 'SMS come once a day too, in the digest.'
      : 'No SMS come for changes in this mode: e-mail and Telegram carry the digest. With SMS: /digest daily ' + time + ' sms'),

  sendResult: (o) =>
    `Done${o.task !== undefined ? ` (task #${o.task})` : ''}. Messages sent: e-mail — ${o.email}, SMS — ${o.sms}, Telegram — ${o.telegram}.` +
    (o.retrying ? `\nMessages to retry later: ${o.retrying}.` : '') +
    (o.held ? `\nMessages held by quiet hours: ${o.held}.` : '') +
    (o.digest ? `\nMessages held for the recipient's daily digest: ${o.digest}.` : ''),
  sendNothing: 'Nothing to send: no new notifications.',
  sendFailedTitle: (n) => `Messages not sent: ${n}.`,
  failureLine: (channel, count, reason) => `• ${channel} ×${count}: ${reason}`,
  sendError: (reason) => `The dispatch failed: ${reason}`,
  sendRunFailed:
    'The dispatch broke off (the worker stopped or crashed). What did not go out goes with the next dispatch; /queue shows the queue.',
  sendNoWorker:
    'No worker is running to carry out the dispatch. The request waits and is carried out as soon as a worker starts (npm start or npm run worker).',
  sendContinues:
    'The dispatch is taking longer than usual and goes on. I will send its result in a new message when it ends; /queue shows the queue.',
  sendStillRunning: 'The dispatch is still going and I stopped waiting for its result. /queue shows what went out and what waits.',
  failureCause: {
    auth: (c) =>
      c === 'email'
        ? 'the mail server refused the login or password'
        : c === 'sms'
          ? 'the SMS gateway refused the access key or login'
          : "Telegram refused the bot's token",
    balance: () => 'the SMS gateway account has no money',
    sender: (c) => (c === 'email' ? 'the mail server refuses the sender address' : 'the SMS gateway refuses the sender name'),
    address: (c) =>
      c === 'email'
        ? 'the e-mail address does not take mail'
        : c === 'sms'
          ? 'an SMS cannot be delivered to this number'
          : 'the person cannot be reached on Telegram (blocked the bot, or no such chat)',
    config: (c) =>
      c === 'email' ? 'the mail server is not set up' : c === 'sms' ? 'the SMS gateway is not set up' : 'Telegram sending is not set up',
    limit: () => "the SMS gateway account's sending limit is reached",
    render: () => 'the message could not be composed from its template',
    gone: () => 'the task or the person was deleted',
    other: (c) =>
      c === 'email'
        ? 'the mail server answered with an error'
        : c === 'sms'
          ? 'the SMS gateway answered with an error'
          : 'Telegram answered with an error',
  },
  failureGaveUp: (attempts) => ` (${attempts} attempts)`,
  failureAnswer: (detail) => ` — answer: "${detail}"`,
  dryTitle: (n) => `Sending now would send ${n} ${n === 1 ? 'message' : 'messages'} (nothing was sent):`,
  dryEmpty: 'Sending now would send nothing: no new notifications.',
  dryLine: (n, name, channel, address, extra) => `• #${n} ${name} — ${channel} ${address}${extra}`,
  drySms: (parts, encoding) => `, ${parts} SMS (${encoding})`,
  dryHeld: (until) => `, held by quiet hours until ${until}`,
  dryFallback: (channel) => `, by ${channel} if the gateway refuses it`,
  queueShow: (q) =>
    `Queue: waiting — ${q.pending} (retry — ${q.retrying}, quiet hours — ${q.held}, daily digest — ${q.digest ?? 0}), sending — ${q.sending}, ` +
    `sent — ${q.sent}, failed — ${q.failed}` +
    (q.dropped ? `, dropped when sending (no longer a member, or may no longer see the task) — ${q.dropped}.` : '.'),
  queueLastRun: (when, trigger, sent, failed) =>
    `Last run: ${when} (${trigger === 'send' ? 'by /send' : 'scheduled'}), sent ${sent}, failed ${failed}.`,
  queueNoRun: 'No runs yet.',
  queueCodeSms: (sent, limit) =>
    limit === 0
      ? 'Confirmation codes by SMS are off (CODE_SMS_PER_DAY=0).'
      : `Confirmation codes sent by SMS today (UTC): ${sent} of ${limit}.`,
  queueNextRun: (when) => (when ? `Next scheduled run: ${when}.` : 'The schedule is off: dispatch only by /send.'),
  queueFailures: 'Frequent failures:',

  // admin alerts (the provider's own words appear only quoted, as they came)
  alert: {
    waiting: ' Notifications wait and go out once it is fixed.',
    limit: (detail) =>
      `the SMS gateway account reached its daily sending limit (it said: "${detail}"). SMS wait until midnight Moscow time and then go out by themselves; the limit is set in the gateway's account.`,
    auth: (channel, detail) =>
      channel === 'email'
        ? `the mail server refused the login (it said: "${detail}"). Check the login and password with /smtp, then /smtp test.`
        : `${nameIn(channelNames, channel)}: the gateway refused access (it said: "${detail}"). Check the settings with /sms, then /sms test.`,
    balance: (detail) => `the SMS gateway account has no money (it said: "${detail}"). Top it up; /sms balance shows what is left.`,
    sender: (detail) =>
      `the SMS gateway does not accept the sender name (it said: "${detail}"). Get it approved on the gateway's site or clear it: /sms sender=off. /sms senders lists approved names.`,
    address: (name, channel, address, detail) =>
      `notifications to ${name} (${nameIn(channelNames, channel)}: ${address}) fail (it said: "${detail}"). Fix the address with /email or /phone.`,
    config: {
      email: 'E-mail notifications are waiting: the mail server is not configured. An admin sets it with /smtp.',
      sms: 'SMS notifications are waiting: the SMS gateway is not configured. An admin sets it with /sms.',
      telegram: 'Telegram notifications are waiting: BOT_TOKEN is not set for the worker.',
    },
    dbOutage: (from, seconds) =>
      `the database (MongoDB) was unreachable for ${seconds} s from ${from} UTC. It answers again; an interrupted dispatch goes on by itself and nothing is lost. If this happens again, check the database server.`,
  },
  // task access
  taskPrivateCreated: (n) =>
    `The task is private: only its author, assignee, observers and admins see it. Open it to all: /edit ${n} private off`,
  taskPrivateLine: '🔒 Private: seen by the author, the assignee, observers and admins',
  personNameLine: (name, username, admin) => `• ${name}${username ? ` @${username}` : ''}${admin ? ' (admin)' : ''}`,
  smsCountriesShow: (list) =>
    list ? `SMS phones: only of ${list} (lift it: /sms countries=any)` : 'SMS phones: of any country (restrict: /sms countries=RU,KZ)',
  smsCountriesSaved: (list) => `From now on an SMS phone must be of: ${list}. Phones already saved stay as they are.`,
  smsCountriesAny: 'From now on an SMS phone may be of any country.',
  // membership
  howToJoin: (mode) =>
    mode === 'request'
      ? 'This bot is for members of a team. To ask for access, send /start: the admins will decide. If you have an invite link, open it.'
      : 'This bot is for members of a team. To join, ask an admin for an invite link and open it.',
  joinShort: 'For members only. How to join: /start',
  joinRequested: 'Your request went to the admins. I will write to you when they decide.',
  joinWaiting: "Your request is waiting for an admin's decision. I will write to you when there is one.",
  joinedWelcome: 'Welcome to the team!',
  joinRefused: 'An admin declined your request for access to the bot.',
  joinRequestForAdmins: (name, username, id) => `Access request: ${name}${username ? ` @${username}` : ''} (id ${id}).`,
  joinRequestsForAdmins: (people, more) =>
    `Access requests (${people.length + more}):\n` +
    people.map((p) => `• ${p.name}${p.username ? ` @${p.username}` : ''} (id ${p.id})`).join('\n') +
    (more ? `\n…and ${more} more: /members` : ''),
  joinRequestsBusy: 'Too many access requests right now. Try again in an hour, or ask an admin for an invite link.',
  approveButton: '✅ Approve',
  denyButton: '⛔ Deny',
  joinApproved: (name) => `${name} is now a member.`,
  joinDenied: (name) => `The request of ${name} was denied.`,
  joinAlreadyDecided: 'This request has already been decided.',
  groupOnlyPrivate: (link) => `I work in the private chat only: ${link}`,
  rateLimited: 'Too many messages in a row. Please wait a minute, then I will answer again.',
  inviteMade: (link, n, uses, expires) =>
    `Invite #${n} for ${uses} ${uses === 1 ? 'person' : 'people'}, valid until ${expires}:\n${link}\nSend the link to those you invite. Withdraw it: /invite revoke ${n}`,
  invitesTitle: 'Invites in force:',
  invitesNone: 'No invites in force.',
  inviteLine: (n, left, max, expires, by) => `• #${n}: ${left} of ${max} left, until ${expires}, made by ${by}`,
  inviteUsage: 'New: /invite [people] [days] (default 1 and 7) · list: /invite list · withdraw: /invite revoke 3',
  inviteRevoked: (n) => `Invite #${n} withdrawn: nobody can join with it any more.`,
  inviteNotFound: (n) => `There is no invite #${n} in force. The list: /invite list`,
  roleAdmin: 'admin',
  membersTitle: (n) => `Members (${n}):`,
  pendingTitle: (n) => `Requests (${n}):`,
  blockedTitle: (n) => `Removed or declined (${n}):`,
  membersHint: 'Remove: /remove @username · invite: /invite',
  removeUsage: 'Remove whom? Write: /remove @username (or an id from /members)',
  removeSelf: 'You cannot remove yourself. Nothing was changed.',
  alreadyRemoved: (name) => `${name} is not in the team already.`,
  removed: (name) =>
    `${name} is no longer in the team: subscriptions deleted, no more notifications. The history of changes stays. To let them back: /readmit — invite links do not.`,
  readmitUsage: 'Let whom back? Write: /readmit @username (or an id from /members)',
  readmitted: (name) => `${name} is in the team again (without their old subscriptions).`,
  notRemoved: (name) => `${name} was not removed: there is nobody to let back.`,
  removedCannotJoin: 'You were removed from the team; an invite link does not undo that. If it is a mistake, write to an admin.',
  settingsConflict: 'Another admin has just changed these settings; your change was not saved. Saved now:',
  askSmtpInsecure:
    'Without encryption the login and password go to the server in clear, readable by anyone on the way. Send them like that? Better go back and choose TLS or STARTTLS (/cancel).',
  smtpInsecureYes: '⚠️ Yes, unencrypted (insecure)',
  smtpInsecureWarning:
    '⚠️ Note: the login and password go to the server unencrypted. Switch to TLS or STARTTLS as soon as the server allows.',
};
