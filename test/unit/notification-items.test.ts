/**
 * The items a worker builds from stored Changes (src/delivery/notification-items.ts), as each recipient reads
 * them: typed values shown in the recipient's zone, the assignee by their person; a damaged Change fails.
 */
import { notificationItems } from '../../src/delivery/notification-items.js';
import { renderSms, renderTelegram } from '../../src/domain/templates.js';
import { notificationWords } from '../../src/i18n/notification-words.js';

describe('values for each recipient', () => {
  const due = new Date('2025-12-25T15:00:00Z');
  const changes = new Map([
    [
      'c1',
      {
        at: new Date('2025-12-20T07:30:00Z'),
        actor: 'p1',
        fields: [
          { field: 'due', from: null, to: due },
          { field: 'assignee', from: 'p4', to: 'p2' },
        ],
      },
    ],
    ['c0', { at: new Date('2025-12-19T07:30:00Z'), actor: 'p1', fields: [{ field: 'assignee', from: null, to: 'p4' }] }],
  ]);
  const tasks = new Map([['t1', { number: 12, title: 'Отчёт', status: 'new', priority: 'normal', due, author: 'p1', assignee: 'p2' }]]);
  const names = new Map([
    ['p1', 'Иван Петров'],
    ['p2', 'Олег Сидоров'],
  ]);
  const nameOf = (id: string) => names.get(id);
  const itemsFor = () =>
    notificationItems(
      [
        { change: 'c0', task: 't1', person: 'p3' },
        { change: 'c1', task: 't1', person: 'p3' },
      ],
      changes,
      tasks,
      (id) => names.get(id),
    );

  it('shows a due date to a recipient in Moscow and one in Vladivostok each in their own time', () => {
    const moscow = renderTelegram(itemsFor(), { words: notificationWords('ru'), timezone: 'Europe/Moscow', personName: 'М', nameOf });
    const vladivostok = renderTelegram(itemsFor(), {
      words: notificationWords('ru'),
      timezone: 'Asia/Vladivostok',
      personName: 'В',
      nameOf,
    });
    expect(moscow).toContain('• срок: — → 25.12.2025 18:00');
    expect(moscow).toContain('срок 25.12.2025 18:00');
    expect(vladivostok).toContain('• срок: — → 26.12.2025 01:00');
    expect(vladivostok).toContain('срок 26.12.2025 01:00');
    expect(
      renderSms(itemsFor(), undefined, { words: notificationWords('ru'), timezone: 'Asia/Vladivostok', personName: 'В', nameOf }),
    ).toContain('срок 26.12 01:00');
  });

  it('names the assignee by their person, one no longer known as "?"', () => {
    const text = renderTelegram(itemsFor(), { words: notificationWords('en'), timezone: 'Europe/London', personName: 'A', nameOf });
    expect(text).toContain('• assignee: ? → Олег Сидоров');
    expect(text).toContain('• assignee: — → ?');
    expect(text.startsWith('#12 "Отчёт"\n')).toBe(true);
    names.set('p4', 'Old Name');
    expect(renderTelegram(itemsFor(), { words: notificationWords('en'), timezone: 'Europe/London', personName: 'A', nameOf })).toContain(
      '• assignee: Old Name → Олег Сидоров',
    );
  });

  it('refuses a Change whose fields are damaged, so that its delivery fails alone', () => {
    changes.set('c2', { at: new Date('2025-12-21T07:30:00Z'), actor: 'p1', fields: [{ field: 'status', from: 'new', to: 'almost' }] });
    expect(() => notificationItems([{ change: 'c2', task: 't1' }], changes, tasks, (id) => names.get(id))).toThrow(TypeError);
  });
});
