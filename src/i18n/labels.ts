/** What people read for task fields, statuses and priorities: one table for the bot, the notifications and the API's texts. */
import type { Language, LabelledField, Priority, TaskStatus } from '../domain/types.js';

/** Each name table covers every key of its union, in every language (a missing one fails the type check). */
interface Labels {
  field: Readonly<Record<LabelledField, string>>;
  status: Readonly<Record<TaskStatus, string>>;
  priority: Readonly<Record<Priority, string>>;
}

/** Looked up with stored values (plain strings): a value no table knows gives undefined, and is shown as is. */
type Lookup = Readonly<Record<string, string>>;

const RU = {
  field: {
    title: 'название',
    description: 'описание',
    status: 'статус',
    priority: 'приоритет',
    due: 'срок',
    assignee: 'исполнитель',
    author: 'автор',
    observers: 'наблюдатели',
    comment: 'комментарий',
    private: 'приватное',
  },
  status: { new: 'новое', in_progress: 'в работе', review: 'на проверке', done: 'выполнено', cancelled: 'отменено' },
  priority: { low: 'низкий', normal: 'обычный', high: 'высокий', urgent: 'срочный' },
} satisfies Labels;

const EN = {
  field: {
    title: 'title',
    description: 'description',
    status: 'status',
    priority: 'priority',
    due: 'due',
    assignee: 'assignee',
    author: 'author',
    observers: 'observers',
    comment: 'comment',
    private: 'private',
  },
  status: { new: 'new', in_progress: 'in progress', review: 'review', done: 'done', cancelled: 'cancelled' },
  priority: { low: 'low', normal: 'normal', high: 'high', urgent: 'urgent' },
} satisfies Labels;

/** Each table typed by its key union (for the notification words, which name every key). */
export const LABEL_TABLES: Readonly<Record<Language, Labels>> = { ru: RU, en: EN };

export const LABELS: Readonly<Record<Language, { field: Lookup; status: Lookup; priority: Lookup }>> = LABEL_TABLES;
