/** Texts of `/api` and `/person` (issue 12), in ru and en; kept apart so that they merge with the i18n move. */
import type { Language } from '../domain/types.js';

const ru = {
  apiUsage:
    'Токены HTTP API:\n/api new <имя> [read|write] — новый токен (read: только чтение; write: и изменения)\n/api list — действующие\n/api revoke <имя> — отозвать\nТокен действует с правами создавшего его администратора, пока тот администратор.',
  apiMade: (name: string, scope: string, token: string) =>
    `Токен «${name}» (${scope}):\n${token}\n\nОн показан один раз: сохраните его сейчас, в базе хранится только его хэш. Передавайте в заголовке Authorization: Bearer <токен>. Удалите это сообщение после копирования.`,
  apiNameInvalid: 'Имя токена — от 1 до 40 латинских букв, цифр и знаков _ . -, например: /api new erp write',
  apiScopeInvalid: 'Права токена — read или write, например: /api new erp write',
  apiNameTaken: (name: string) => `Токен «${name}» уже есть. Выберите другое имя или сначала отзовите: /api revoke ${name}`,
  apiListTitle: 'Действующие токены:',
  apiListNone: 'Действующих токенов нет. Новый: /api new erp write',
  apiListLine: (name: string, scope: string, by: string, used: string) => `• ${name} (${scope}), создал(а) ${by}, ${used}`,
  apiNeverUsed: 'ещё не использовался',
  apiUsedAt: (at: string) => `последний запрос ${at}`,
  apiRevoked: (name: string) => `Токен «${name}» отозван: запросы с ним получают 401.`,
  apiNotFound: (name: string) => `Действующего токена «${name}» нет. Список: /api list`,
  personUsage:
    'Человек без Telegram:\n/person add "Иван Петров" email=ivan@example.org phone=+79123456789 — добавить (нужен e-mail или телефон)\n/person invite <id> — ссылка, открыв которую он подключит свой Telegram',
  personAdded: (name: string, ref: string, contacts: string) =>
    `Добавлен(а) ${name} (id ${ref}): ${contacts}. Наблюдатель по e-mail и SMS: /observe 12 ${ref} email sms · пригласить в Telegram: /person invite ${ref}`,
  personArgInvalid: (word: string) => `Не понял «${word}». Пишите: /person add "Иван Петров" email=ivan@example.org phone=+79123456789`,
  personInvite: (name: string, link: string, until: string) =>
    `Ссылка для ${name} (одна, действует до ${until}):\n${link}\nОткрыв её, человек подключит свой Telegram к этой записи.`,
};

export type ApiTexts = typeof ru;

const en: ApiTexts = {
  apiUsage:
    'HTTP API tokens:\n/api new <name> [read|write] — a new token (read: reading only; write: changes too)\n/api list — tokens in force\n/api revoke <name> — withdraw one\nA token acts with the rights of the admin who made it, while they are an admin.',
  apiMade: (name, scope, token) =>
    `Token "${name}" (${scope}):\n${token}\n\nIt is shown only this once: save it now, only its hash is stored. Send it as Authorization: Bearer <token>. Delete this message once copied.`,
  apiNameInvalid: 'A token name is 1 to 40 Latin letters, digits and _ . -, e.g. /api new erp write',
  apiScopeInvalid: 'A token is read or write, e.g. /api new erp write',
  apiNameTaken: (name) => `There is a token "${name}" already. Choose another name or revoke it first: /api revoke ${name}`,
  apiListTitle: 'Tokens in force:',
  apiListNone: 'No tokens in force. A new one: /api new erp write',
  apiListLine: (name, scope, by, used) => `• ${name} (${scope}), made by ${by}, ${used}`,
  apiNeverUsed: 'never used',
  apiUsedAt: (at) => `last request ${at}`,
  apiRevoked: (name) => `Token "${name}" revoked: requests with it get 401.`,
  apiNotFound: (name) => `There is no token "${name}" in force. The list: /api list`,
  personUsage:
    'A person without Telegram:\n/person add "Ivan Petrov" email=ivan@example.org phone=+79123456789 — add one (an e-mail or a phone is needed)\n/person invite <id> — a link that joins their Telegram when they open it',
  personAdded: (name, ref, contacts) =>
    `Added ${name} (id ${ref}): ${contacts}. As an observer by e-mail and SMS: /observe 12 ${ref} email sms · invite to Telegram: /person invite ${ref}`,
  personArgInvalid: (word) => `"${word}" is not understood. Write: /person add "Ivan Petrov" email=ivan@example.org phone=+79123456789`,
  personInvite: (name, link, until) =>
    `A link for ${name} (one use, valid until ${until}):\n${link}\nOpening it joins their Telegram to this person.`,
};

export function apiTexts(language: string | undefined): ApiTexts {
  return (language as Language) === 'en' ? en : ru;
}

type Params = Record<string, string | number>;
/**
 * The HTTP API's own wording of the errors whose bot text points to a bot command ("Your tasks: /tasks"):
 * an API caller is pointed to the API instead.
 */
const API_ERRORS: Record<'ru' | 'en', Record<string, (p: Params) => string>> = {
  ru: {
    task_not_found: (p) => `Задания #${p.number} нет.`,
    person_not_found: (p) => `Человека «${p.ref}» нет. Список: GET /api/v1/people`,
    person_ambiguous: (p) => `«${p.ref}» — несколько человек${p.names ? `: ${p.names}` : ''}. Укажите id из GET /api/v1/people`,
    contact_taken: (p) =>
      `${p.kind === 'phone' ? 'Телефон' : 'E-mail'} ${p.value} уже указан у: ${p.names}. Сначала уберите его там: PATCH /api/v1/people/{ref}`,
  },
  en: {
    task_not_found: (p) => `There is no task #${p.number}.`,
    person_not_found: (p) => `There is no person "${p.ref}". The list: GET /api/v1/people`,
    person_ambiguous: (p) => `"${p.ref}" names several people${p.names ? `: ${p.names}` : ''}. Use an id from GET /api/v1/people`,
    contact_taken: (p) =>
      `${p.kind === 'phone' ? 'Phone' : 'E-mail'} ${p.value} is already set for ${p.names}. Remove it there first: PATCH /api/v1/people/{ref}`,
  },
};

/** The API's text of a service error, or undefined where the bot's text serves the API as well. */
export function apiErrorText(language: string | undefined, code: string, params: Params): string | undefined {
  return API_ERRORS[language === 'ru' ? 'ru' : 'en'][code]?.(params);
}
