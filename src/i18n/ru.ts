/** Russian texts (the default). The words are the ones users of the original know: «Наблюдатели», «SMS-шлюз»… */
import { LABELS } from './labels.js';
import { ruPlural as plural } from './plural.js';
import type { UserErrorCode, UserErrorParams } from '../domain/errors.js';
import type { CommandName } from '../domain/commands.js';
import type { SmsFallback } from '../domain/gateways.js';
import type { TemplateKind } from '../domain/templates.js';
import type { Channel, FailureCause, TaskRole } from '../domain/types.js';
import { nameIn } from './lookup.js';

type P = UserErrorParams;
const s = (v: string | number | undefined) => String(v ?? '');

// task access: what kind of number a phone is, for `phone_not_mobile` (libphonenumber's types)
const PHONE_TYPES_RU: Record<string, string> = {
  PREMIUM_RATE: 'платный номер (premium-rate)',
  TOLL_FREE: 'бесплатный номер 8-800 (toll-free)',
  SHARED_COST: 'номер с разделённой оплатой (shared-cost)',
  VOIP: 'номер IP-телефонии (VoIP)',
  UAN: 'единый номер организации (UAN)',
  FIXED_LINE: 'городской (стационарный) номер',
  PERSONAL_NUMBER: 'персональный номер',
  PAGER: 'номер пейджера',
  VOICEMAIL: 'номер голосовой почты',
  UNKNOWN: 'номер неизвестного типа',
};

const errors: Record<UserErrorCode, (p: P) => string> = {
  email_invalid: (p) => `«${s(p.value)}» не похоже на адрес e-mail. Напишите так: /email ivan@example.org`,
  phone_invalid: (p) => `«${s(p.value)}» не похоже на номер телефона. Напишите так: /phone +7 912 345-67-89 (или 89123456789)`,
  tz_invalid: (p) =>
    p.suggest
      ? `«${s(p.value)}» — неизвестный часовой пояс. Может быть, ${s(p.suggest)}? Например: /tz ${s(String(p.suggest).split(', ')[0])}`
      : `«${s(p.value)}» — неизвестный часовой пояс. Напишите название из базы IANA, например: /tz Europe/Moscow`,
  quiet_invalid: (p) =>
    `«${s(p.value)}» — не интервал времени. Напишите так: /quiet 22:00-08:00 (или /quiet 22:00-08:00 email, чтобы ждали и письма; /quiet off, чтобы убрать тихие часы)`,
  lang_invalid: (p) => `Языка «${s(p.value)}» нет. Можно: /lang ru или /lang en`,
  person_not_found: (p) => `Не нашёл человека «${s(p.ref)}». Список людей: /people (укажите @username или id)`,
  person_ambiguous: (p) =>
    p.names
      ? `«${s(p.ref)}» указан у нескольких человек: ${s(p.names)}. Укажите @username или id из /people`
      : `Имя «${s(p.ref)}» носят несколько человек. Укажите @username или id из /people`,
  contact_taken: (p) =>
    p.kind === 'phone'
      ? `Телефон ${s(p.value)} уже указан у: ${s(p.names)}. Один номер — у одного человека: сначала уберите его там (/phone @username off).`
      : `E-mail ${s(p.value)} уже указан у: ${s(p.names)}. Один адрес — у одного человека: сначала уберите его там (/email @username off).`,
  contact_taken_private: (p) =>
    `${p.kind === 'phone' ? 'Номер' : 'Адрес'} ${s(p.value)} уже указан у другого человека. Если он ваш, напишите администратору.`,
  contact_unchanged: (p) => `${s(p.value)} — уже ваш ${p.kind === 'phone' ? 'телефон' : 'e-mail'}, менять нечего.`,
  code_too_many: (p) => `Код можно запросить не больше ${s(p.max)} раз в час. Попробуйте через ${s(p.minutes)} мин.`,
  code_sms_off: () => 'Подтверждение телефона по SMS выключено. Попросите администратора указать ваш номер: /phone @username +7…',
  code_sms_day_limit: () => 'SMS с кодами на сегодня закончились. Попробуйте завтра или попросите администратора указать ваш номер.',
  code_channel_missing: (p) =>
    p.channel === 'sms'
      ? 'SMS-шлюз ещё не настроен, и код отправить нечем. Попросите администратора настроить /sms и повторите.'
      : 'Почтовый сервер ещё не настроен, и код отправить нечем. Попросите администратора настроить /smtp и повторите.',
  code_send_failed: (p) =>
    p.channel === 'sms'
      ? 'SMS с кодом не ушло: шлюз его не принял. Проверьте номер и повторите; если не выйдет — сообщите администратору.'
      : 'Письмо с кодом не ушло: почтовый сервер его не принял. Проверьте адрес и повторите; если не выйдет — сообщите администратору.',
  code_form: () => 'Код — это шесть цифр из письма или SMS. Пришлите их, например: /confirm 123456',
  code_none: () =>
    'Никакой код сейчас не ждёт. Чтобы сменить адрес, отправьте /email ivan@example.org или /phone +79123456789 — придёт код.',
  code_expired: () => 'Код устарел. Запросите новый: снова /email или /phone с адресом.',
  code_tries_used: () => 'Слишком много неверных кодов, этот больше не действует. Запросите новый: снова /email или /phone с адресом.',
  code_wrong: (p) => `Код не подходит. Осталось попыток: ${s(p.left)}.`,
  last_admin: (p) =>
    p.self
      ? 'Вы — последний администратор; сначала назначьте другого: /admin @username'
      : `${s(p.name)} — последний администратор; сначала назначьте другого: /admin @username`,
  task_number_invalid: (p) => `«${s(p.value)}» — не номер задания. Номер — это число, например 12`,
  task_not_found: (p) => `Задания #${s(p.number)} нет. Ваши задания: /tasks`,
  field_unknown: (p) =>
    `Поля «${s(p.value)}» нет. Можно менять: title (название), description (описание), status (статус), priority (приоритет), due (срок), assignee (исполнитель), private (закрытое: on/off). Например: /edit 12 status in_progress`,
  title_empty: () => 'Название задания пустое. Напишите так: /newtask Подготовить отчёт',
  title_too_long: (p) => `Название длиннее ${s(p.max)} символов (${s(p.length)}). Сократите его`,
  text_empty: () => 'Текст пустой',
  text_too_long: (p) => `Текст длиннее ${s(p.max)} символов (${s(p.length)}). Сократите его`,
  status_invalid: () =>
    'Такого статуса нет. Можно: new (новое), in_progress (в работе), review (на проверке), done (выполнено), cancelled (отменено)',
  priority_invalid: () => 'Такого приоритета нет. Можно: low (низкий), normal (обычный), high (высокий), urgent (срочный)',
  due_invalid: (p) => `«${s(p.value)}» — не дата. Напишите так: 25.12.2026, 25.12.2026 18:00, 2026-12-25, +3d (через 3 дня) или off`,
  no_change: (p) => `В задании #${s(p.number)} это поле уже такое — ничего не изменено`,
  edit_busy: (p) => `Задание #${s(p.number)} сейчас меняют другие; попробуйте ещё раз`,
  channel_unknown: (p) => `Канала «${s(p.value)}» нет. Можно: email, sms, telegram`,
  channels_empty: () => 'Выберите хотя бы один канал: email, sms или telegram',
  channel_no_address: (p) =>
    p.self
      ? p.channel === 'email'
        ? `Для оповещений по e-mail у вас нет адреса. Добавьте его: ${s(p.command)} ivan@example.org — и повторите`
        : p.channel === 'sms'
          ? `Для оповещений по SMS у вас нет телефона. Добавьте его: ${s(p.command)} +79123456789 — и повторите`
          : 'Оповещения в Telegram придут, как только вы напишете боту. Или выберите email, sms'
      : p.channel === 'email'
        ? `Для оповещений по e-mail у ${s(p.name)} нет адреса. Добавьте его: ${s(p.command)} ivan@example.org — и повторите`
        : p.channel === 'sms'
          ? `Для оповещений по SMS у ${s(p.name)} нет телефона. Добавьте его: ${s(p.command)} +79123456789 — и повторите`
          : `${s(p.name)} ещё не в Telegram. Пригласите: ${s(p.command)} — или выберите email, sms`,
  not_watching: (p) => `Вы не наблюдаете за заданием #${s(p.number)}`,
  template_kind_unknown: () => 'Шаблона такого вида нет. Можно: email_subject, email_body, sms. Например: /template sms',
  template_unknown_placeholders: (p) =>
    `В шаблоне неизвестные поля: ${s(p.unknown)}. Шаблон не сохранён. Доступные поля: {task.number} {task.title} {task.status} {task.priority} {task.due} {task.description} {changes} {actor} {date} {person.name}`,
  template_too_long: (p) => `Шаблон длиннее ${s(p.max)} символов (${s(p.length)}). Сократите его`,
  schedule_invalid: (p) =>
    `«${s(p.value)}» — не расписание. Напишите так: /schedule every 5 min, /schedule */10 * * * * или /schedule off (интервал от 1 до 1440 минут)`,
  cron_invalid: (p) =>
    `«${s(p.value)}» — неверное cron-выражение. Пять полей: минуты часы дни месяцы дни_недели, например: /schedule 0 9-18 * * 1-5`,
  smtp_url_invalid: (p) =>
    `Не понял адрес сервера: ${s(p.reason)}. Напишите так: /smtp smtps://логин:пароль@smtp.example.org:465 "Имя <from@example.org>"`,
  smtp_host_invalid: (p) => `«${s(p.value)}» — не имя почтового сервера. Например: smtp.example.org`,
  smtp_port_invalid: (p) => `«${s(p.value)}» — не порт. Порт — число от 1 до 65535, обычно 465 или 587`,
  smtp_security_invalid: (p) => `«${s(p.value)}» — не способ защиты. Можно: tls (порт 465), starttls (587), none`,
  smtp_from_invalid: (p) => `«${s(p.value)}» — не адрес отправителя. Напишите так: Имя <from@example.org> или from@example.org`,
  smtp_from_missing: () =>
    'Не указан адрес отправителя. Добавьте его в конце: /smtp smtps://логин:пароль@smtp.example.org:465 "Имя <from@example.org>"',
  smtp_not_configured: () => 'Почтовый сервер не настроен. Настройте: /smtp',
  sms_provider_unknown: (p) => `SMS-шлюза «${s(p.value)}» нет. Можно: ${s(p.values)}`,
  sms_key_unknown: (p) =>
    `Параметра «${s(p.key)}» нет. Можно: api_id, login, password, api_key, token, sender, translit, test, parts, fallback. Например: /sms smsru api_id=XXXX sender=MyCompany`,
  sms_value_invalid: (p) => `Значение «${s(p.value)}» не подходит для «${s(p.key)}»`,
  sms_incomplete: (p) =>
    `Не хватает «${s(p.missing)}». Например: /sms smsru api_id=XXXX, /sms smsc login=… password=…, /sms smsaero login=… api_key=…, /sms twilio login=ACxxxx token=… sender=+15550001111`,
  sms_sender_invalid: (p) =>
    p.provider === 'twilio'
      ? `«${s(p.value)}» — не номер отправителя Twilio. Напишите номер в формате +15550001111`
      : `«${s(p.value)}» — не имя отправителя: до 11 латинских букв и цифр, например MyCompany`,
  sms_not_configured: () => 'SMS-шлюз не настроен. Настройте: /sms',
  // task access
  task_change_denied: (p) => `Менять задание #${s(p.number)} могут только его автор, исполнитель или администратор.`,
  observe_others_denied: (p) =>
    `Добавлять и убирать других наблюдателей могут только администраторы. Наблюдать самому: /watch ${s(p.number)}`,
  on_off_invalid: (p) => `«${s(p.value)}» — ни on, ни off. Например: /edit 12 private on`,
  person_ref_invalid: (p) =>
    p.candidates
      ? `«${s(p.ref)}» — не @username и не id. Кого вы имели в виду: ${s(p.candidates)}? Повторите с @username или id. Ничего не изменено`
      : `«${s(p.ref)}» — не @username и не id. Укажите человека так: @username или id (список: /people). Ничего не изменено`,
  phone_not_mobile: (p) =>
    `${s(p.value)} — ${PHONE_TYPES_RU[s(p.type)] ?? PHONE_TYPES_RU.UNKNOWN}: SMS на него не отправляются. Укажите номер мобильного телефона, например: /phone +7 912 345-67-89`,
  phone_country_refused: (p) =>
    `${s(p.value)} — номер страны ${s(p.country)}, а SMS отправляются только на номера стран: ${s(p.allowed)}. Укажите мобильный номер из них (список меняет администратор: /sms countries=…)`,
  sms_countries_invalid: (p) =>
    `«${s(p.value)}» — не список стран. Напишите коды ISO через запятую: /sms countries=RU,KZ (или countries=any — любые страны)`,
  send_all_denied: () => 'Отправить все оповещения сразу может только администратор. По своему заданию: /send 12',
  send_cooldown: (p) => `/send — не чаще раза в ${s(p.every)} с. Попробуйте снова через ${s(p.seconds)} с.`,
  // membership
  invite_args_invalid: (p) =>
    `«${s(p.value)}» не подходит. Напишите: /invite [сколько человек, 1–${s(p.maxUses)}] [сколько дней, 1–${s(p.maxDays)}], например /invite 5 7`,
  settings_conflict: () =>
    'Другой администратор только что изменил настройки; ваши изменения не сохранены. Посмотрите текущие и повторите: /smtp, /sms, /template, /schedule',
  smtp_insecure_login: () =>
    'Этот сервер без шифрования: логин и пароль ушли бы открытым текстом. Выберите TLS (465) или STARTTLS (587), или, если иначе нельзя, добавьте в конце слово insecure: /smtp smtp://логин:пароль@host:25 "Имя <from@example.org>" insecure',
  // people without Telegram (issue 12)
  person_name_invalid: (p) => `Нужно имя длиной от 1 до ${s(p.max)} символов, в кавычках: /person add "Иван Петров" email=ivan@example.org`,
  person_contact_missing: () => 'Укажите e-mail или телефон (или оба): /person add "Иван Петров" email=ivan@example.org phone=+79123456789',
  person_has_telegram: (p) => `${s(p.name)} уже в Telegram: приглашение не нужно`,
  url_without_source: () => 'Ссылка (url) хранится только у задания из другого трекера: укажите и source, и externalId',
  // digest modes (issue 11)
  digest_invalid: (p) =>
    `«${s(p.value)}» — не режим сводки. Напишите так: /digest now (сразу, при каждой рассылке) или /digest daily 18:00 (раз в день в 18:00 по вашему поясу; /digest daily 18:00 sms — с SMS). Ничего не изменено`,
  // answering a notification (issue 23)
  reply_undo_gone: () => 'Этого комментария уже нет: отменять нечего.',
  reply_undo_late: (p) => `Поздно: комментарий к заданию #${s(p.number)} уже разослан наблюдателям. Ничего не изменено.`,
  reply_text_only: () =>
    'Комментарий может быть только текстом: фото, файлы и голосовые сообщения не добавляются. Ответьте на оповещение текстом. Ничего не добавлено.',
  // reminders and escalation (issue 24)
  remind_invalid: (p) =>
    `«${s(p.value)}» — не то, что понимает /remind. Напишите за сколько до срока напомнить: /remind 1d 2h (d — дни, h — часы, m — минуты; больше нуля и не больше 30 дней, до 5 напоминаний), ` +
    '/remind off — без напоминаний, /remind default — за 24 часа и за 1 час, /remind author on — и о заданиях, где вы автор. Ничего не изменено',
  escalate_invalid: (p) =>
    `«${s(p.value)}» — не то, что понимает /escalate. Напишите приоритет (low, normal, high, urgent) и минуты от 1 до 1440: /escalate high 15, или /escalate high off. Ничего не изменено`,
};

const channelNames = { email: 'e-mail', sms: 'SMS', telegram: 'Telegram' } satisfies Record<Channel, string>;

export const ru = {
  langName: 'русский',
  errors,
  unexpected: (id: string) =>
    `Что-то пошло не так (код ошибки ${id}). Попробуйте ещё раз; если повторится — сообщите администратору этот код.`,
  telegramBusy: (seconds: number) =>
    `Telegram попросил бота подождать ${seconds} с, и ответ на ваше последнее сообщение не ушёл. Отправьте его ещё раз.`,
  adminOnly: 'Эта команда только для администраторов. Ничего не изменено.',
  cancel: 'Отмена',
  cancelled: 'Отменено. Ничего не сохранено.',
  nothingToCancel: 'Сейчас нечего отменять.',
  unknownCommand: (cmd: string) => `Не знаю команды ${cmd}. Список команд: /help`,
  notACommand: 'Напишите команду, например /help — список всего, что я умею.',
  typeOrPress: 'Напишите ответ или нажмите кнопку. Отменить: /cancel',
  none: '—',
  save: 'Сохранить',
  on: 'вкл.',
  off: 'выкл.',
  channel: (c: string) => nameIn(channelNames, c),
  status: LABELS.ru.status,
  priority: LABELS.ru.priority,
  field: LABELS.ru.field,
  role: { author: 'автор', assignee: 'исполнитель', observer: 'наблюдатель' } satisfies Record<TaskRole, string>,

  // start / help
  welcome: (name: string) =>
    `Здравствуйте, ${name}! Я taskwatch: сообщаю по e-mail, SMS и в Telegram, когда меняются задания, в которых вы участвуете.\n\n` +
    'С чего начать:\n' +
    '1. /email ivan@example.org — адрес для оповещений\n' +
    '2. /phone +79123456789 — телефон для SMS\n' +
    '3. /newtask Подготовить отчёт — новое задание\n' +
    '4. /watch 12 email sms — наблюдать за заданием 12\n\n' +
    'Все команды с примерами: /help',
  welcomeAdmin: 'Вы администратор: почтовый сервер — /smtp, SMS-шлюз — /sms, шаблоны — /template, расписание — /schedule.',
  helpTitle: 'Что я умею (команда с параметрами — сразу; без параметров я спрошу по шагам, отменить — /cancel):',
  helpAdminTitle: 'Для администраторов:',
  commands: {
    start: { desc: 'начать и поздороваться', example: '/start' },
    help: { desc: 'список команд', example: '/help' },
    me: { desc: 'мой профиль', example: '/me' },
    email: { desc: 'e-mail для оповещений (off — убрать)', example: '/email ivan@example.org' },
    phone: { desc: 'телефон для SMS (off — убрать)', example: '/phone +7 912 345-67-89' },
    confirm: { desc: 'код из письма или SMS: новый адрес начнёт работать', example: '/confirm 123456' },
    tz: { desc: 'часовой пояс', example: '/tz Europe/Moscow' },
    quiet: { desc: 'тихие часы: SMS (и письма, со словом email) ждут до утра', example: '/quiet 22:00-08:00 email' },
    channels: {
      desc: 'каналы оповещений о своих заданиях (автор, исполнитель): email, sms, telegram; off — никаких; без параметров — кнопки',
      example: '/channels email telegram',
    },
    digest: {
      desc:
        'сводка: now — при каждой рассылке; daily ЧЧ:ММ — одно сообщение в день (по вашему поясу, с первой рассылкой после этого времени). ' +
        'В режиме daily SMS об изменениях не приходят (письмо и Telegram несут сводку); со словом sms — SMS тоже раз в день, в сводке',
      example: '/digest daily 18:00 sms',
    },
    remind: {
      desc:
        'напоминания о сроке (исполнителю): за сколько до срока (d — дни, h — часы, m — минуты), и однажды при просрочке; ' +
        'off — без напоминаний; author on — и о заданиях, где вы автор. По умолчанию за 24 часа и за 1 час',
      example: '/remind 1d 2h',
    },
    lang: { desc: 'язык: ru или en', example: '/lang en' },
    newtask: { desc: 'новое задание', example: '/newtask Подготовить отчёт' },
    tasks: { desc: 'мои задания', example: '/tasks' },
    task: { desc: 'задание целиком', example: '/task 12' },
    edit: { desc: 'изменить поле: title, description, status, priority, due, assignee, private', example: '/edit 12 due 25.12.2026 18:00' },
    done: { desc: 'отметить выполненным', example: '/done 12' },
    comment: { desc: 'комментарий к заданию (или просто ответьте на оповещение о нём)', example: '/comment 12 Начал работу' },
    watch: { desc: 'наблюдать за заданием: email, sms, telegram', example: '/watch 12 email sms' },
    unwatch: { desc: 'перестать наблюдать', example: '/unwatch 12' },
    observers: { desc: 'наблюдатели задания', example: '/observers 12' },
    people: { desc: 'люди (контакты видят администраторы)', example: '/people' },
    send: { desc: 'отправить оповещения по заданию сейчас (админ — все)', example: '/send 12' },
    cancel: { desc: 'отменить разговор', example: '/cancel' },
    observe: { desc: 'добавить наблюдателя', example: '/observe 12 @ivan sms' },
    unobserve: { desc: 'убрать наблюдателя', example: '/unobserve 12 @ivan' },
    admin: { desc: 'назначить или снять администратора', example: '/admin @ivan (или /admin @ivan off)' },
    smtp: { desc: 'почтовый сервер; test — проверка', example: '/smtp smtps://login:pass@smtp.example.org:465 "Имя <from@example.org>"' },
    sms: { desc: 'SMS-шлюз; test, balance, senders', example: '/sms smsru api_id=XXXX sender=MyCompany' },
    template: { desc: 'шаблоны: email_subject, email_body, sms', example: '/template sms #{task.number} {task.title}: {changes}' },
    schedule: { desc: 'расписание рассылки', example: '/schedule every 5 min' },
    escalate: {
      desc: 'эскалация: об изменении задания этого приоритета сначала Telegram, SMS — только если человек не отметил «👍 Видел» за столько минут; off — выключить',
      example: '/escalate high 15',
    },
    queue: { desc: 'очередь оповещений', example: '/queue' },
    dry: { desc: 'кто что получит, ничего не отправляя', example: '/send dry' },
    // membership
    invite: { desc: 'ссылка-приглашение; list — список, revoke — отозвать', example: '/invite 5 7 (на 5 человек, 7 дней)' },
    members: { desc: 'участники, заявки, исключённые', example: '/members' },
    remove: { desc: 'исключить человека', example: '/remove @ivan' },
    readmit: { desc: 'вернуть исключённого', example: '/readmit @ivan' },
    // issue 12
    api: { desc: 'токены HTTP API: new, list, revoke', example: '/api new erp write' },
    person: { desc: 'человек без Telegram: add, invite', example: '/person add "Иван Петров" email=ivan@example.org phone=+79123456789' },
  } satisfies Record<CommandName, { desc: string; example: string }>,

  // profile
  profileTitle: (name: string, username: string | undefined, admin: boolean) =>
    `Профиль: ${name}${username ? ` (@${username})` : ''}${admin ? ', администратор' : ''}`,
  profileEmail: (v: string | undefined) => `E-mail: ${v ?? 'не задан — /email ivan@example.org'}`,
  profilePhone: (v: string | undefined) => `Телефон для SMS: ${v ?? 'не задан — /phone +79123456789'}`,
  profilePending: (v: string) => `Ждёт кода: ${v} (пришлите шесть цифр из письма или SMS)`,
  codeSent: (kind: 'email' | 'phone', v: string, minutes: number) =>
    (kind === 'phone' ? `Отправил SMS с кодом на ${v}.` : `Отправил письмо с кодом на ${v}.`) +
    ` Пришлите код сюда в течение ${minutes} минут — просто шесть цифр (или /confirm 123456). Пока код не пришёл, на ${v} ничего не отправляется.`,
  codeLetterSubject: (code: string) => `taskwatch: код подтверждения ${code}`,
  codeLetterBody: (name: string, code: string, minutes: number) =>
    `Здравствуйте!\n\n${name} просит бота taskwatch в Telegram присылать оповещения о заданиях на этот адрес.\n\n` +
    `Код подтверждения: ${code}\n\nОтправьте его боту в течение ${minutes} минут. Если это были не вы, ничего не делайте: без кода сюда ничего не придёт.`,
  codeSms: (code: string, minutes: number) => `taskwatch: код ${code}. Отправьте его боту за ${minutes} мин.`,
  profileChannels: (v: string) => `Каналы для своих заданий (автор, исполнитель): ${v}`,
  profileDigest: (v: string) => `Сводка: ${v}`,
  profileRemind: (v: string) => `Напоминания о сроке: ${v}`,
  lead: (lead: string) => {
    const m = /^(\d+)([dhm])$/.exec(lead);
    if (!m) return lead;
    const n = Number(m[1]);
    const unit =
      m[2] === 'd'
        ? plural(n, 'день', 'дня', 'дней')
        : m[2] === 'h'
          ? plural(n, 'час', 'часа', 'часов')
          : plural(n, 'минуту', 'минуты', 'минут');
    return `за ${n} ${unit}`;
  },
  remindOn: (leads: string, author: boolean) =>
    `${leads} до срока и однажды при просрочке${author ? '; и о заданиях, где вы автор' : ' (о заданиях, где вы исполнитель)'}`,
  remindOff: 'нет (/remind default — за 24 часа и за 1 час)',
  remindShow: (v: string) => `Напоминания о сроке: ${v}.`,
  remindUsage:
    'Изменить: /remind 1d 2h (d — дни, h — часы, m — минуты), /remind off — без напоминаний, /remind author on|off — о заданиях, где вы автор. Напоминания приходят по вашим каналам (/channels), в ваши тихие часы SMS ждут утра.',
  remindSaved: (v: string) => `Сохранено. Напоминания о сроке: ${v}.`,
  escalateLine: (priority: string, minutes: number) => `приоритет ${priority}: SMS через ${minutes} мин, если не отмечено «👍 Видел»`,
  escalateNone: 'выключена: SMS уходят сразу вместе с остальными оповещениями',
  escalateShow: (v: string) => `Эскалация:\n${v}`,
  escalateUsage: 'Изменить: /escalate high 15 (low, normal, high, urgent; от 1 до 1440 минут), /escalate high off — выключить.',
  escalateSaved: (v: string) => `Сохранено. Эскалация:\n${v}`,
  seenThanks: '👍 Отмечено: SMS об этом не придёт',
  queueEscalation: (waiting: number, saved: number) =>
    `Эскалация: SMS ждут отметки «Видел» — ${waiting}, сэкономлено SMS (отмечено в Telegram вовремя) — ${saved}.`,
  profileLang: (v: string) => `Язык: ${v}`,
  profileTz: (v: string) => `Часовой пояс: ${v}`,
  profileQuiet: (v: string | undefined, email: boolean) =>
    `Тихие часы: ${v ?? 'нет'}${v ? (email ? ' (ждут SMS и e-mail)' : ' (ждут SMS)') : ''}`,
  profileWatching: (v: string | undefined) => `Наблюдаю за: ${v ?? 'ничем — /watch 12'}`,
  emailSaved: (v: string) => `E-mail сохранён: ${v}. Оповещения по e-mail придут на него.`,
  emailCleared: 'E-mail удалён.',
  emailSavedFor: (name: string, v: string) => `E-mail пользователя ${name}: ${v}.`,
  emailClearedFor: (name: string) => `E-mail пользователя ${name} удалён.`,
  phoneSaved: (v: string) => `Телефон для SMS сохранён: ${v}.`,
  phoneCleared: 'Телефон удалён.',
  phoneSavedFor: (name: string, v: string) => `Телефон пользователя ${name}: ${v}.`,
  phoneClearedFor: (name: string) => `Телефон пользователя ${name} удалён.`,
  askEmail: 'Напишите адрес e-mail для оповещений (или off, чтобы убрать):',
  askPhone: 'Напишите телефон для SMS, например +7 912 345-67-89 (или off, чтобы убрать):',
  tzSaved: (v: string) => `Часовой пояс: ${v}. Сроки заданий читаю и показываю в нём.`,
  askTz: 'Выберите часовой пояс или напишите его название (например Asia/Yekaterinburg):',
  quietSaved: (v: string, email: boolean) =>
    `Тихие часы: ${v}. ${email ? 'SMS и письма' : 'SMS'} в это время подождут до конца тихих часов.` +
    (email ? '' : ' Чтобы ждали и письма: /quiet 22:00-08:00 email'),
  quietCleared: 'Тихие часы выключены.',
  askQuiet: 'Напишите тихие часы, например 22:00-08:00, или выберите:',
  quietOff: 'Без тихих часов',
  langSaved: 'Язык: русский.',

  // own channels and digest modes (issue 11)
  ownChannelsNone: 'никаких (включить: /channels email)',
  ownChannelsAsk: (v: string) =>
    `Каналы оповещений о ваших заданиях (вы автор или исполнитель): ${v}.\nНажмите канал, чтобы включить или выключить его, затем «Готово».`,
  ownChannelsSaved: (v: string) => `Об изменениях ваших заданий (вы автор или исполнитель) сообщу: ${v}.`,
  ownChannelsOff: 'Об изменениях ваших заданий (вы автор или исполнитель) больше не сообщаю. Включить: /channels email',
  finishButton: 'Готово',
  notYourButton: 'Эта кнопка не ваша. Ничего не изменено.',
  digestNow: 'при каждой рассылке (/digest now)',
  digestDaily: (time: string, zone: string, sms: boolean) => `раз в день в ${time} (${zone}), ${sms ? 'SMS — тоже в сводке' : 'без SMS'}`,
  digestUsage: 'Изменить: /digest now или /digest daily 18:00 (со словом sms — SMS тоже раз в день)',
  digestSavedNow: 'Сводка — при каждой рассылке: оповещения придут с ближайшей. Отложенные до сводки уйдут с ней.',
  digestSavedDaily: (time: string, zone: string, sms: boolean) =>
    `Сводка — раз в день в ${time} по поясу ${zone}: всё, что изменилось с прошлой, придёт одним сообщением на каждый канал ` +
    `с первой рассылкой в ${time} или позже (часовой пояс: /tz). ` +
    (sms
      ? 'SMS тоже придут раз в день, в сводке.'
      : 'SMS об изменениях в этом режиме не приходят: сводку несут письмо и Telegram. Со SMS: /digest daily ' + time + ' sms'),
  askLang: 'Выберите язык / Choose the language:',

  // tasks
  askTitle: 'Как назвать задание?',
  taskCreated: (n: number, title: string) =>
    `Задание #${n} создано: «${title}».\nНаблюдать: /watch ${n} email sms · изменить: /edit ${n} due 25.12.2026`,
  watchButton: 'Наблюдать / каналы',
  unwatchButton: 'Не наблюдать',
  doneButton: 'Выполнено',
  observersButton: 'Наблюдатели',
  noTasks: 'У вас пока нет заданий. Создайте: /newtask Подготовить отчёт',
  tasksTitle: 'Ваши задания:',
  taskLine: (n: number, title: string, status: string, roles: string) => `#${n} ${title} — ${status} (${roles})`,
  taskTitle: (n: number, title: string) => `Задание #${n}: ${title}`,
  taskStatus: (v: string) => `Статус: ${v}`,
  taskPriority: (v: string) => `Приоритет: ${v}`,
  taskDue: (v: string | undefined) => `Срок: ${v ?? '—'}`,
  taskAuthor: (v: string) => `Автор: ${v}`,
  taskAssignee: (v: string | undefined) => `Исполнитель: ${v ?? '—'}`,
  taskObservers: (n: number, mine: string | undefined) => `Наблюдателей: ${n}${mine ? `; вы — ${mine}` : ''}`,
  taskDescription: (v: string) => `Описание: ${v}`,
  taskChanges: 'Последние изменения:',
  changeLine: (who: string, when: string, what: string) => `${when} ${who}: ${what}`,
  changeField: (field: string, from: string, to: string) => `${field}: ${from || '—'} → ${to || '—'}`,
  changeComment: (text: string) => `комментарий: ${text}`,
  askTaskNumber: 'Номер задания?',
  askField: 'Что изменить?',
  askValue: (field: string): string =>
    ({
      title: 'Новое название:',
      description: 'Новое описание (или off, чтобы очистить):',
      status: 'Новый статус:',
      priority: 'Новый приоритет:',
      due: 'Новый срок: 25.12.2026, 25.12.2026 18:00, +3d или off',
      assignee: 'Исполнитель: @username или id из /people (off — убрать):',
      private: 'Приватное? on — видят только участники и администраторы, off — все:',
    })[field] ?? 'Новое значение:',
  edited: (n: number, field: string, from: string, to: string) => `Задание #${n}: ${field} «${from || '—'}» → «${to || '—'}».`,
  askComment: 'Текст комментария:',
  commented: (n: number) => `Комментарий к заданию #${n} добавлен.`,
  // answering a notification (issue 23)
  replyAdded: (n: number, minutes: number) =>
    `Комментарий к заданию #${n} добавлен; наблюдатели получат его через ${minutes} мин, до тех пор его можно отменить.`,
  replyMailSubject: (n: number) => `Комментарий к заданию #${n} не добавлен`,
  replyMailBody: (n: number, why: string) =>
    `Ваш ответ на оповещение о задании #${n} не стал комментарием: ${why}.\n\nНичего не изменено. Ответьте на письмо ещё раз или напишите боту: /comment ${n} <текст>`,
  replyUndoButton: '↩️ Отменить',
  replyUndone: (n: number) => `Комментарий к заданию #${n} отменён: его никто не получил.`,
  replyWhichTask: 'Это оповещение о нескольких заданиях. К какому из них ваш комментарий?',
  replyDraftGone: 'Текст комментария уже не найден: ответьте на оповещение ещё раз.',
  askReply: (n: number) => `Комментарий к заданию #${n} (ответьте текстом):`,
  sendHint: (n: number) => `Отправить оповещения сейчас: /send ${n}`,

  // observers
  pickChannels: (n: number, title: string) => `Задание #${n} «${title}»: как оповещать вас? Отметьте каналы и нажмите «Сохранить».`,
  watching: (n: number, title: string, channels: string) => `Вы наблюдаете за заданием #${n} «${title}»: ${channels}.`,
  unwatched: (n: number) => `Вы больше не наблюдаете за заданием #${n}.`,
  notWatching: (n: number) => `Вы и не наблюдали за заданием #${n}.`,
  // the one-tap unsubscribe link of a letter (/start u_…)
  linkUnwatched: (n: number, title: string) =>
    `Готово: вы больше не наблюдаете за заданием #${n} «${title}», оповещения о нём как наблюдателю больше не придут. Наблюдать снова: /watch ${n}`,
  linkNotWatching: (n: number) => `Вы уже не наблюдаете за заданием #${n}: отписываться не от чего. Наблюдать снова: /watch ${n}`,
  linkNotYours:
    'Эта ссылка из письма, адресованного другому человеку, поэтому здесь она ничего не меняет. Чтобы перестать наблюдать за заданием, отправьте /unwatch <номер>.',
  linkBad:
    'Ссылка для отписки не подходит: она повреждена или устарела. Чтобы перестать наблюдать за заданием из письма, отправьте /unwatch <номер>; ваши задания: /tasks.',
  askUnwatch: 'За каким заданием перестать наблюдать?',
  observersTitle: (n: number, title: string) => `Наблюдатели задания #${n} «${title}»:`,
  observerLine: (name: string, channels: string) => `• ${name} — ${channels}`,
  noObservers: (n: number) => `У задания #${n} нет наблюдателей. Наблюдать: /watch ${n}`,
  askPerson: 'Кого? Напишите @username или id (список: /people):',
  askChannels: 'Какие каналы?',
  allChannels: 'Все три',
  observeDone: (name: string, n: number, channels: string) => `${name} теперь наблюдает за заданием #${n}: ${channels}.`,
  unobserved: (name: string, n: number) => `${name} больше не наблюдает за заданием #${n}.`,
  notObserver: (name: string, n: number) => `${name} и не наблюдал(а) за заданием #${n}.`,

  // admin / people
  peopleTitle: 'Люди:',
  personLine: (name: string, username: string | undefined, admin: boolean, email: string, phone: string) =>
    `• ${name}${username ? ` @${username}` : ''}${admin ? ' (админ)' : ''} — e-mail: ${email}; тел.: ${phone}`,
  peopleAdminHint: 'Задать контакт другому: /email @username адрес, /phone @username номер',
  adminsTitle: 'Администраторы:',
  adminUsage: 'Назначить: /admin @username; снять: /admin @username off',
  promoted: (name: string) => `${name} теперь администратор.`,
  demoted: (name: string) => `${name} больше не администратор.`,
  alreadyAdmin: (name: string) => `${name} уже администратор.`,
  notAdmin: (name: string) => `${name} и так не администратор.`,
  adminFromConfig: (name: string) =>
    `${name} — администратор по настройке ADMIN_IDS; снять можно, только убрав его id оттуда. Ничего не изменено.`,

  // smtp
  smtpTitle: 'Почтовый сервер (SMTP):',
  smtpNone: 'Почтовый сервер не настроен.',
  smtpShow: (host: string, port: number, security: string, user: string, password: string, from: string) =>
    `Сервер: ${host}:${port}, защита: ${security}\nЛогин: ${user}\nПароль: ${password}\nОтправитель: ${from}`,
  smtpHelp:
    'Изменить: /smtp smtps://логин:пароль@smtp.example.org:465 "Имя <from@example.org>" или /smtp setup (по шагам)\nПроверить: /smtp test · удалить: /smtp off',
  smtpSaved: 'Почтовый сервер сохранён. Проверить: /smtp test',
  smtpCleared: 'Настройки почтового сервера удалены.',
  passwordDeleted: 'Сообщение с паролем (ключом) я удалил из чата.',
  passwordNotDeleted: 'Удалите, пожалуйста, сообщение с паролем (ключом) из чата сами.',
  askSmtpHost: 'Шаг 1/6. Адрес почтового сервера (например smtp.yandex.ru):',
  askSmtpPort: 'Шаг 2/6. Порт:',
  askSmtpSecurity: 'Шаг 3/6. Защита соединения:',
  askSmtpUser: 'Шаг 4/6. Логин (обычно адрес почты):',
  askSmtpPassword: 'Шаг 5/6. Пароль (сообщение с ним я сразу удалю из чата):',
  askSmtpFrom: 'Шаг 6/6. Адрес отправителя, например: Оповещения <tasks@example.org>',
  noLogin: 'Без логина',
  smtpTesting: 'Проверяю почтовый сервер…',
  smtpTestOk: (verify: string, to: string, answer: string) =>
    `Соединение в порядке: ${verify}.\nТестовое письмо отправлено на ${to}. Ответ сервера: ${answer}`,
  smtpTestFailed: (why: string, answer: string) => `Проверка не прошла: ${why}. Ответ сервера: «${answer}»`,
  smtpTestNeedEmail: 'Тестовое письмо уходит на ваш e-mail, а он не задан. Сначала: /email ivan@example.org',
  smtpTestSubject: 'taskwatch: тестовое письмо',
  smtpTestBody: (name: string) => `Здравствуйте, ${name}!\n\nЭто тестовое письмо taskwatch: почтовый сервер настроен верно.`,

  // sms
  smsTitle: 'SMS-шлюз:',
  smsNone: 'SMS-шлюз не настроен.',
  smsShow: (o: {
    provider: string;
    login: string;
    secretKind: string;
    secret: string;
    sender: string;
    translit: string;
    testMode: string;
    maxParts: number;
    fallback: string;
  }) =>
    `Шлюз: ${o.provider}\nЛогин: ${o.login}\n${o.secretKind}: ${o.secret}\nИмя отправителя: ${o.sender}\n` +
    `Транслит: ${o.translit}; тестовый режим: ${o.testMode}\nНе больше ${o.maxParts} SMS в сообщении; если SMS не дошло — ${o.fallback}`,
  smsSenderNone: 'нет (отправляет номер учётной записи)',
  smsFallback: { none: 'ничего', telegram: 'в Telegram', email: 'на e-mail' } satisfies Record<SmsFallback, string>,
  smsHelp:
    'Изменить: /sms smsru api_id=XXXX sender=MyCompany (или /sms smsru login=… password=…), /sms setup — по шагам\n' +
    'Ещё параметры: translit=on, test=on, parts=3, fallback=telegram|email|none\nПроверить: /sms test · баланс: /sms balance · имена отправителей: /sms senders · удалить: /sms off',
  smsSaved: 'SMS-шлюз сохранён. Проверить: /sms test',
  smsCleared: 'Настройки SMS-шлюза удалены.',
  smsSenderApproved: (name: string) => `Имя отправителя «${name}» согласовано шлюзом.`,
  smsSenderNotApproved: (name: string, list: string) =>
    `Внимание: имя отправителя «${name}» шлюз ещё не согласовал (согласованы: ${list || 'никакие'}). Настройка сохранена, но SMS с ним не уйдут, пока имя не согласуют на сайте шлюза.`,
  smsSenderUnchecked: (why: string, answer: string) => `Не смог проверить имя отправителя: ${why}. Ответ шлюза: «${answer}»`,
  askSmsProvider: 'Шаг 1. Какой SMS-шлюз?',
  askSmsAuth: 'Как входить в sms.ru?',
  authApiId: 'api_id',
  authLogin: 'логин и пароль',
  askSmsApiId: 'api_id из личного кабинета sms.ru (сообщение я удалю из чата):',
  askSmsLogin: (provider: string): string =>
    provider === 'twilio' ? 'Account SID (ACxxxx…):' : provider === 'smsaero' ? 'Логин (e-mail в SMS Aero):' : 'Логин:',
  askSmsSecret: (kind: string) =>
    `${kind === 'api_key' ? 'API-ключ' : kind === 'auth_token' ? 'Auth Token' : 'Пароль'} (сообщение я удалю из чата):`,
  askSmsSender: (provider: string): string =>
    provider === 'twilio'
      ? 'Номер отправителя Twilio, например +15550001111:'
      : 'Имя отправителя — только согласованное со шлюзом; без него SMS придут с номера учётной записи:',
  noSender: 'Без имени',
  smsChecking: 'Проверяю SMS-шлюз…',
  smsTestOk: (v: string) => `SMS-шлюз отвечает: ${v}`,
  smsFailed: (why: string, answer: string) => `Проверка SMS-шлюза не прошла: ${why}. Ответ шлюза: «${answer}»`,
  smsBalance: (amount: number, currency: string) => `Баланс: ${amount} ${currency}`,
  smsSenders: (list: string) => `Согласованные имена отправителей: ${list}`,
  smsSendersEmpty: 'Согласованных имён отправителей нет: SMS приходят с номера учётной записи.',
  smsNoSenders: (provider: string) => `У шлюза ${provider} нет списка имён отправителей.`,

  // templates
  templateKindName: { email_subject: 'тема письма', email_body: 'текст письма', sms: 'текст SMS' } satisfies Record<TemplateKind, string>,
  templateShow: (kind: string, name: string, text: string, isDefault: boolean) =>
    `Шаблон ${kind} (${name})${isDefault ? ', по умолчанию' : ''}:\n${text}`,
  templateHelp: (kind: string) =>
    `Изменить: /template ${kind} <текст>; вернуть исходный: /template ${kind} default\nПоля: {task.number} {task.title} {task.status} {task.priority} {task.due} {task.description} {changes} {actor} {date} {person.name}`,
  templatesTitle: 'Шаблоны оповещений. Какой показать или изменить?',
  templateSaved: (kind: string) => `Шаблон ${kind} сохранён.`,
  templateReset: (kind: string) => `Шаблон ${kind} возвращён к исходному.`,
  templatePreview: (text: string) => `Пример:\n${text}`,
  smsStats: (encoding: string, units: number, parts: number) =>
    `${encoding}, ${units} ${plural(units, 'символ', 'символа', 'символов')}, ${parts} SMS` +
    (encoding === 'UCS-2'
      ? ' (по-русски в одной SMS 70 символов, в длинной — по 67 на часть)'
      : ' (латиницей 160 символов, в длинной — по 153 на часть)'),
  smsPartLimit: (maxParts: number, truncated: boolean) =>
    truncated
      ? `Длиннее предела в ${maxParts} ${plural(maxParts, 'часть', 'части', 'частей')}: текст обрезан, как его получит адресат (предел: /sms parts=N).`
      : `Предел: ${maxParts} ${plural(maxParts, 'часть', 'части', 'частей')} (/sms parts=N).`,
  askTemplateText: (kind: string) => `Новый текст шаблона ${kind} (или default — вернуть исходный):`,

  // schedule
  scheduleShow: (v: string) => `Автоматическая рассылка: ${v}.`,
  scheduleEvery: (n: number) =>
    n === 1 ? 'каждую минуту' : `${plural(n, 'каждую', 'каждые', 'каждые')} ${n} ${plural(n, 'минуту', 'минуты', 'минут')}`,
  scheduleCron: (v: string) => `по cron «${v}»`,
  scheduleOff: 'выключена (только по /send)',
  scheduleSaved: (v: string) => `Расписание сохранено: ${v}.`,
  scheduleNotApplied: 'Расписание сохранено, но применить его сейчас не удалось; оно вступит в силу при перезапуске.',
  askSchedule: 'Как часто рассылать оповещения? Выберите или напишите (every 10 min, cron-выражение, off):',

  // delivery
  sending: 'Отправляю оповещения…',
  sendResult: (o: { email: number; sms: number; telegram: number; retrying: number; held: number; digest?: number; task?: number }) =>
    `Готово${o.task !== undefined ? ` (задание #${o.task})` : ''}. Отправлено сообщений: e-mail — ${o.email}, SMS — ${o.sms}, Telegram — ${o.telegram}.` +
    (o.retrying ? `\nСообщений повторим позже: ${o.retrying}.` : '') +
    (o.held ? `\nСообщений ждут конца тихих часов: ${o.held}.` : '') +
    (o.digest ? `\nСообщений ждут ежедневной сводки получателя: ${o.digest}.` : ''),
  sendNothing: 'Отправлять нечего: новых оповещений нет.',
  sendFailedTitle: (n: number) => `Не отправлено сообщений: ${n}.`,
  failureLine: (channel: string, count: number, reason: string) => `• ${channel} ×${count}: ${reason}`,
  sendError: (reason: string) => `Рассылка не удалась: ${reason}`,
  sendRunFailed:
    'Рассылка прервалась (обработчик остановился или упал). Что не ушло, уйдёт со следующей рассылкой; /queue покажет очередь.',
  sendNoWorker:
    'Рассылку некому выполнить: обработчик (worker) не запущен. Запрос ждёт и выполнится, как только обработчик запустится (npm start или npm run worker).',
  sendContinues:
    'Рассылка идёт дольше обычного и продолжается. Итог пришлю отдельным сообщением, когда она закончится; /queue покажет очередь.',
  sendStillRunning: 'Рассылка всё ещё идёт, итога я так и не дождался. /queue покажет, что уже ушло и что ждёт.',
  /** Why a message failed, by cause (src/i18n/failures.ts); for admins the provider's own words follow, quoted. */
  failureCause: {
    auth: (c: Channel): string =>
      c === 'email'
        ? 'почтовый сервер не принял логин или пароль'
        : c === 'sms'
          ? 'SMS-шлюз не принял ключ доступа или логин'
          : 'Telegram не принял токен бота',
    balance: (): string => 'на счёте SMS-шлюза нет денег',
    sender: (c: Channel): string =>
      c === 'email' ? 'почтовый сервер не принимает адрес отправителя' : 'SMS-шлюз не принимает имя отправителя',
    address: (c: Channel): string =>
      c === 'email'
        ? 'адрес e-mail не принимает письма'
        : c === 'sms'
          ? 'на этот номер SMS не доставить'
          : 'получатель недоступен в Telegram (заблокировал бота или чата нет)',
    config: (c: Channel): string =>
      c === 'email' ? 'почтовый сервер не настроен' : c === 'sms' ? 'SMS-шлюз не настроен' : 'отправка в Telegram не настроена',
    limit: (): string => 'исчерпан лимит отправки SMS-шлюза',
    render: (): string => 'сообщение не удалось составить по шаблону',
    gone: (): string => 'задание или получатель удалены',
    other: (c: Channel): string =>
      c === 'email' ? 'почтовый сервер ответил ошибкой' : c === 'sms' ? 'SMS-шлюз ответил ошибкой' : 'Telegram ответил ошибкой',
  } satisfies Record<FailureCause, (channel: Channel) => string>,
  failureGaveUp: (attempts: number) => ` (попыток: ${attempts})`,
  failureAnswer: (detail: string) => ` — ответ: «${detail}»`,
  dryTitle: (n: number) => `Если отправить сейчас — ${n} ${plural(n, 'сообщение', 'сообщения', 'сообщений')} (ничего не отправлено):`,
  dryEmpty: 'Если отправить сейчас — никому ничего: новых оповещений нет.',
  dryLine: (n: number, name: string, channel: string, address: string, extra: string) => `• #${n} ${name} — ${channel} ${address}${extra}`,
  drySms: (parts: number, encoding: string) => `, ${parts} SMS (${encoding})`,
  dryHeld: (until: string) => `, ждёт тихих часов до ${until}`,
  dryFallback: (channel: string) => `, если шлюз откажет — ${channel}`,
  queueShow: (q: {
    pending: number;
    retrying: number;
    held: number;
    digest?: number;
    sending: number;
    failed: number;
    sent: number;
    dropped?: number;
  }) =>
    `Очередь: ждут отправки — ${q.pending} (из них повтор — ${q.retrying}, тихие часы — ${q.held}, ежедневная сводка — ${q.digest ?? 0}), отправляются — ${q.sending}, ` +
    `отправлено — ${q.sent}, не отправлено — ${q.failed}` +
    (q.dropped ? `, снято при отправке (человек больше не участник или не видит задание) — ${q.dropped}.` : '.'),
  queueLastRun: (when: string, trigger: string, sent: number, failed: number) =>
    `Последняя рассылка: ${when} (${trigger === 'send' ? 'по /send' : 'по расписанию'}), отправлено ${sent}, ошибок ${failed}.`,
  queueNoRun: 'Рассылок ещё не было.',
  queueCodeSms: (sent: number, limit: number) =>
    limit === 0
      ? 'SMS с кодами подтверждения выключены (CODE_SMS_PER_DAY=0).'
      : `SMS с кодами подтверждения сегодня (UTC): ${sent} из ${limit}.`,
  queueNextRun: (when: string | undefined): string =>
    when ? `Следующая по расписанию: ${when}.` : 'Расписание выключено: рассылка только по /send.',
  queueFailures: 'Частые ошибки:',

  // admin alerts (the provider's own words appear only quoted, as they came)
  alert: {
    waiting: ' Уведомления ждут и уйдут после исправления.',
    limit: (detail: string) =>
      `SMS-шлюз: исчерпан дневной лимит отправки аккаунта (ответ шлюза: «${detail}»). SMS подождут до полуночи по Москве и уйдут сами; лимит меняется в личном кабинете шлюза.`,
    auth: (channel: Channel, detail: string) =>
      channel === 'email'
        ? `почтовый сервер отказал во входе (ответ сервера: «${detail}»). Проверьте логин и пароль: /smtp, затем /smtp test.`
        : `${nameIn(channelNames, channel)}: шлюз отклонил доступ (ответ: «${detail}»). Проверьте настройки: /sms, затем /sms test.`,
    balance: (detail: string) => `на счёте SMS-шлюза нет денег (ответ шлюза: «${detail}»). Пополните баланс; /sms balance покажет остаток.`,
    sender: (detail: string) =>
      `SMS-шлюз не принимает имя отправителя (ответ шлюза: «${detail}»). Согласуйте его на сайте шлюза или очистите: /sms sender=off. /sms senders покажет согласованные имена.`,
    address: (name: string, channel: Channel, address: string, detail: string) =>
      `уведомления для ${name} (${nameIn(channelNames, channel)}: ${address}) не доставляются (ответ: «${detail}»). Исправьте адрес: /email или /phone.`,
    config: {
      email: 'E-mail-уведомления ждут: почтовый сервер не настроен. Администратор настраивает его командой /smtp.',
      sms: 'SMS-уведомления ждут: SMS-шлюз не настроен. Администратор настраивает его командой /sms.',
      telegram: 'Telegram-уведомления ждут: обработчику не задан BOT_TOKEN.',
    } satisfies Record<Channel, string>,
    dbOutage: (from: string, seconds: number) =>
      `база данных (MongoDB) была недоступна ${seconds} с, с ${from} UTC. Теперь она снова отвечает; прерванная рассылка продолжится сама, ничего не потеряно. Если это повторяется, проверьте сервер базы данных.`,
  },
  // task access
  taskPrivateCreated: (n: number) =>
    `Задание приватное: его видят только автор, исполнитель, наблюдатели и администраторы. Открыть всем: /edit ${n} private off`,
  taskPrivateLine: '🔒 Приватное: видят автор, исполнитель, наблюдатели и администраторы',
  personNameLine: (name: string, username: string | undefined, admin: boolean) =>
    `• ${name}${username ? ` @${username}` : ''}${admin ? ' (админ)' : ''}`,
  smsCountriesShow: (list: string) =>
    list
      ? `Телефоны для SMS — только стран: ${list} (снять ограничение: /sms countries=any)`
      : 'Телефоны для SMS — любых стран (ограничить: /sms countries=RU,KZ)',
  smsCountriesSaved: (list: string) => `Теперь телефон для SMS можно указать только из стран: ${list}. Уже сохранённые номера не меняются.`,
  smsCountriesAny: 'Теперь телефон для SMS можно указать из любой страны.',
  // membership
  howToJoin: (mode: string): string =>
    mode === 'request'
      ? 'Этот бот — для участников команды. Чтобы попросить доступ, отправьте /start: администраторы решат. Если у вас есть ссылка-приглашение, откройте её.'
      : 'Этот бот — для участников команды. Чтобы присоединиться, попросите у администратора ссылку-приглашение и откройте её.',
  joinShort: 'Доступно только участникам. Как присоединиться: /start',
  joinRequested: 'Заявка отправлена администраторам. Я напишу вам, когда они решат.',
  joinWaiting: 'Ваша заявка ждёт решения администратора. Я напишу вам, когда оно будет.',
  joinedWelcome: 'Добро пожаловать в команду!',
  joinRefused: 'Администратор отклонил заявку на доступ к боту.',
  joinRequestForAdmins: (name: string, username: string | undefined, id: number) =>
    `Заявка на доступ: ${name}${username ? ` @${username}` : ''} (id ${id}).`,
  joinRequestsForAdmins: (people: Array<{ name: string; username: string | undefined; id: number }>, more: number) =>
    `Заявки на доступ (${people.length + more}):\n` +
    people.map((p) => `• ${p.name}${p.username ? ` @${p.username}` : ''} (id ${p.id})`).join('\n') +
    (more ? `\n…и ещё ${more}: /members` : ''),
  joinRequestsBusy: 'Сейчас слишком много заявок на доступ. Попробуйте через час или попросите у администратора ссылку-приглашение.',
  approveButton: '✅ Принять',
  denyButton: '⛔ Отклонить',
  joinApproved: (name: string) => `${name} принят(а) в команду.`,
  joinDenied: (name: string) => `Заявка ${name} отклонена.`,
  joinAlreadyDecided: 'По этой заявке уже решено.',
  groupOnlyPrivate: (link: string) => `Я работаю только в личном чате: ${link}`,
  rateLimited: 'Слишком много сообщений подряд. Подождите минуту — потом я снова отвечу.',
  inviteMade: (link: string, n: number, uses: number, expires: string) =>
    `Приглашение #${n} на ${uses} чел., действует до ${expires}:\n${link}\nОтправьте ссылку тем, кого приглашаете. Отозвать: /invite revoke ${n}`,
  invitesTitle: 'Действующие приглашения:',
  invitesNone: 'Действующих приглашений нет.',
  inviteLine: (n: number, left: number, max: number, expires: string, by: string) =>
    `• #${n}: осталось ${left} из ${max}, до ${expires}, создал(а) ${by}`,
  inviteUsage: 'Новое: /invite [человек] [дней] (по умолчанию 1 и 7) · список: /invite list · отозвать: /invite revoke 3',
  inviteRevoked: (n: number) => `Приглашение #${n} отозвано: по нему больше никто не войдёт.`,
  inviteNotFound: (n: number) => `Действующего приглашения #${n} нет. Список: /invite list`,
  roleAdmin: 'администратор',
  membersTitle: (n: number) => `Участники (${n}):`,
  pendingTitle: (n: number) => `Заявки (${n}):`,
  blockedTitle: (n: number) => `Исключены или отклонены (${n}):`,
  membersHint: 'Исключить: /remove @username · пригласить: /invite',
  removeUsage: 'Кого исключить? Напишите: /remove @username (или id из /members)',
  removeSelf: 'Себя исключить нельзя. Ничего не изменено.',
  alreadyRemoved: (name: string) => `${name} уже не в команде.`,
  removed: (name: string) =>
    `${name} больше не в команде: подписки удалены, оповещений больше не будет. История изменений сохранена. Вернуть: /readmit — ссылки-приглашения этого не делают.`,
  readmitUsage: 'Кого вернуть в команду? Напишите: /readmit @username (или id из /members)',
  readmitted: (name: string) => `${name} снова в команде (без прежних подписок).`,
  notRemoved: (name: string) => `${name} не исключён(а): возвращать некого.`,
  removedCannotJoin: 'Вас исключили из команды; ссылка-приглашение этого не отменяет. Если это ошибка, напишите администратору.',
  settingsConflict: 'Другой администратор только что изменил эти настройки; ваши изменения не сохранены. Сейчас сохранено:',
  askSmtpInsecure:
    'Без шифрования логин и пароль уйдут на сервер открытым текстом, их сможет прочитать любой по дороге. Отправлять так? Лучше вернуться и выбрать TLS или STARTTLS (/cancel).',
  smtpInsecureYes: '⚠️ Да, без шифрования (insecure)',
  smtpInsecureWarning:
    '⚠️ Внимание: логин и пароль уходят на сервер без шифрования. Переключитесь на TLS или STARTTLS, как только сервер позволит.',
};

export type Texts = typeof ru;
