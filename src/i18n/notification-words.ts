/**
 * The words notifications are written with (letters, SMS, Telegram), in each language. The renderers
 * (src/domain/templates.ts) take one table with their options: domain may not import i18n.
 */
import type { NotificationWords } from '../domain/templates-format.js';
import type { Language, TaskRole } from '../domain/types.js';
import { LABEL_TABLES } from './labels.js';
import { ruPlural } from './plural.js';

const RU = {
  language: 'ru',
  dates: { full: 'dd.MM.yyyy HH:mm', short: 'dd.MM HH:mm', locale: 'ru' },
  fields: LABEL_TABLES.ru.field,
  status: LABEL_TABLES.ru.status,
  priority: LABEL_TABLES.ru.priority,
  // Letters have always shown the words /edit takes for a switch.
  on: 'on',
  off: 'off',
  digest: (n: number) => `${n} ${ruPlural(n, 'изменение', 'изменения', 'изменений')} в заданиях`,
  quote: (s: string) => `«${s}»`,
  now: 'Сейчас',
  state: (status: string, priority: string, due: string) => `статус ${status}, приоритет ${priority}, срок ${due}`,
  columns: ['Кто и когда', 'Поле', 'Было', 'Стало'],
  more: (n: number, task: number) => `…и ещё ${n} ${ruPlural(n, 'изменение', 'изменения', 'изменений')}: /task ${task}`,
  /** The one-tap unsubscribe sentence around its links (`{link}` pieces are put in by the renderer). */
  oneTap: (several: boolean, task: number) =>
    several
      ? { before: 'Отписаться от задания одним нажатием (откроется бот): ', after: '.' }
      : { before: 'Отписаться одним нажатием: ', after: ` (откроется бот), или отправьте боту /unwatch ${task}.` },
  oneTapWeb: (several: boolean) => ({
    before: several ? 'Отписаться от задания одним нажатием: ' : 'Отписаться одним нажатием: ',
    orBot: ' (или в боте: ',
    after: '.',
  }),
  linkLabel: (task: number) => `отписаться от #${task}`,
  why: (role: TaskRole | undefined, numbers: number[], linked = false) => {
    const list = numbers.map((n) => `#${n}`).join(', ');
    const tasks = numbers.length === 1 ? `задания ${list}` : `заданий ${list}`;
    const unwatch = numbers.length === 1 ? `/unwatch ${numbers[0]}` : '/unwatch <номер>';
    const watched = `Вы получаете это письмо, потому что наблюдаете за ${numbers.length === 1 ? 'заданием' : 'заданиями'} ${list}.`;
    if (role === 'observer' && linked) return watched;
    if (role === 'observer') return `${watched} Чтобы не получать: ${unwatch} в боте.`;
    if (role) return `Вы получаете это письмо как ${role === 'author' ? 'автор' : 'исполнитель'} ${tasks}. Каналы оповещений: /me в боте.`;
    return `Вы получаете это письмо как участник ${tasks}. Чтобы не получать: ${unwatch} или /me в боте.`;
  },
  dueIn: (task: number, title: string, due: string, left: string) => `Задание #${task} «${title}»: срок ${due} (через ${left})`,
  overdue: (task: number, title: string, since: string, ago: string) => `Задание #${task} «${title}» просрочено с ${since} (${ago})`,
  duration: (unit: 'minute' | 'hour' | 'day', n: number) =>
    `${n} ${
      unit === 'minute'
        ? ruPlural(n, 'минута', 'минуты', 'минут')
        : unit === 'hour'
          ? ruPlural(n, 'час', 'часа', 'часов')
          : ruPlural(n, 'день', 'дня', 'дней')
    }`,
  reminders: (n: number) => `${n} ${ruPlural(n, 'напоминание', 'напоминания', 'напоминаний')} о сроках`,
  seen: '👍 Видел',
} satisfies NotificationWords;

const EN = {
  language: 'en',
  dates: { full: 'd MMM yyyy HH:mm', short: 'd MMM HH:mm', locale: 'en-GB' },
  fields: LABEL_TABLES.en.field,
  status: LABEL_TABLES.en.status,
  priority: LABEL_TABLES.en.priority,
  // Letters have always shown the words /edit takes for a switch.
  on: 'on',
  off: 'off',
  digest: (n: number) => `${n} ${n === 1 ? 'change' : 'changes'} in tasks`,
  quote: (s: string) => `"${s}"`,
  now: 'Now',
  state: (status: string, priority: string, due: string) => `status ${status}, priority ${priority}, due ${due}`,
  columns: ['Who and when', 'Field', 'Was', 'Now'],
  more: (n: number, task: number) => `…and ${n} more ${n === 1 ? 'change' : 'changes'}: /task ${task}`,
  oneTap: (several: boolean, task: number) =>
    several
      ? { before: 'Unsubscribe from a task in one tap (opens the bot): ', after: '.' }
      : { before: 'Unsubscribe in one tap: ', after: ` (opens the bot), or send /unwatch ${task} to the bot.` },
  oneTapWeb: (several: boolean) => ({
    before: several ? 'Unsubscribe from a task in one tap: ' : 'Unsubscribe in one tap: ',
    orBot: ' (or in the bot: ',
    after: '.',
  }),
  linkLabel: (task: number) => `unsubscribe from #${task}`,
  why: (role: TaskRole | undefined, numbers: number[], linked = false) => {
    const list = numbers.map((n) => `#${n}`).join(', ');
    const tasks = `${numbers.length === 1 ? 'task' : 'tasks'} ${list}`;
    const unwatch = numbers.length === 1 ? `/unwatch ${numbers[0]}` : '/unwatch <number>';
    if (role === 'observer' && linked) return `You get this because you watch ${tasks}.`;
    if (role === 'observer') return `You get this because you watch ${tasks}. To stop: ${unwatch} in the bot.`;
    if (role) return `You get this as the ${role} of ${tasks}. Your channels: /me in the bot.`;
    return `You get this as a participant of ${tasks}. To stop: ${unwatch} or /me in the bot.`;
  },
  dueIn: (task: number, title: string, due: string, left: string) => `Task #${task} "${title}" is due ${due} (in ${left})`,
  overdue: (task: number, title: string, since: string, ago: string) => `Task #${task} "${title}" is overdue since ${since} (${ago})`,
  duration: (unit: 'minute' | 'hour' | 'day', n: number) => `${n} ${unit}${n === 1 ? '' : 's'}`,
  reminders: (n: number) => `${n} due-date ${n === 1 ? 'reminder' : 'reminders'}`,
  seen: '👍 Seen',
} satisfies NotificationWords;

export const NOTIFICATION_WORDS: Readonly<Record<Language, NotificationWords>> = { ru: RU, en: EN };

/** The words of `language`; Russian for a language there are none in (as the bot's texts). */
export function notificationWords(language: string | undefined): NotificationWords {
  return NOTIFICATION_WORDS[language as Language] ?? NOTIFICATION_WORDS.ru;
}
