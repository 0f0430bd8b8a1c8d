/** The template preview the bot shows: a template rendered with a sample change, in the admin's language. */
import {
  renderEmail,
  renderSms,
  type NotificationItem,
  type NotificationWords,
  type RenderOptions,
  type TemplateKind,
} from './templates.js';
import type { Language } from './types.js';

const SAMPLE: Record<Language, { item: NotificationItem; personName: string }> = {
  ru: {
    personName: 'Анна Смирнова',
    item: {
      task: {
        number: 12,
        title: 'Подготовить отчёт за квартал',
        status: 'in_progress',
        priority: 'high',
        due: new Date('2025-03-31T15:00:00Z'),
        description: 'Свести данные отделов в один отчёт.',
      },
      actor: 'Иван Петров',
      at: new Date('2025-03-20T07:30:00Z'),
      fields: [
        { field: 'status', from: 'new', to: 'in_progress' },
        { field: 'comment', to: 'Начал работу' },
      ],
      role: 'observer',
    },
  },
  en: {
    personName: 'Anna Smith',
    item: {
      task: {
        number: 12,
        title: 'Prepare the quarterly report',
        status: 'in_progress',
        priority: 'high',
        due: new Date('2025-03-31T15:00:00Z'),
        description: 'Merge the departments’ figures into one report.',
      },
      actor: 'John Peters',
      at: new Date('2025-03-20T07:30:00Z'),
      fields: [
        { field: 'status', from: 'new', to: 'in_progress' },
        { field: 'comment', to: 'Started' },
      ],
      role: 'observer',
    },
  },
};

/** Renders `template` with a sample item (Moscow time) in the admin's `words`, for the bot's template preview. */
export function renderPreview(kind: TemplateKind, template: string, words: NotificationWords): string {
  const { item, personName } = SAMPLE[words.language];
  const opts: RenderOptions = { words, timezone: 'Europe/Moscow', personName };
  if (kind === 'sms') return renderSms([item], template, opts);
  const email = renderEmail([item], { [kind]: template }, opts);
  return kind === 'email_subject' ? email.subject : email.text;
}
