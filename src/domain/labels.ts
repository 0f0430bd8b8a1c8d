/** What people read for task fields, statuses and priorities: one table for the bot and the notifications. */
import type { Language } from './types.js';

type Names = Readonly<Record<string, string>>;

export const LABELS: Readonly<Record<Language, { field: Names; status: Names; priority: Names }>> = {
  ru: {
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
  },
  en: {
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
  },
};
