/**
 * The items a worker builds from stored Changes (src/delivery/notification-items.ts), as each recipient reads
 * them: typed values shown in the recipient's zone, the assignee by their person, old Changes by their strings.
 */
import { notificationItems } from '../../src/delivery/notification-items.js';
import { renderSms, renderTelegram } from '../../src/domain/templates.js';

describe('values for each recipient', () => {
  const due = new Date('2025-12-25T15:00:00Z');
  const changes = new Map([
    [
      'c1',
      {
        at: new Date('2025-12-20T07:30:00Z'),
        actor: 'p1',
        fields: [
          { field: 'due', from: '24.12.2025 18:00', to: '25.12.2025 18:00', fromAt: null, toAt: due },
          { field: 'assignee', from: 'Old Name', to: 'Олег', fromPerson: null, toPerson: 'p2' },
        ],
      },
    ],
    ['c0', { at: new Date('2025-12-19T07:30:00Z'), actor: 'p1', fields: [{ field: 'due', from: '', to: '24.12.2025 18:00' }] }],
  ]);
  const tasks = new Map([['t1', { number: 12, title: 'Отчёт', status: 'new', priority: 'normal', due, author: 'p1', assignee: 'p2' }]]);
  const names = new Map([
    ['p1', 'Иван Петров'],
    ['p2', 'Олег Сидоров'],
  ]);
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
    const moscow = renderTelegram(itemsFor(), { language: 'ru', timezone: 'Europe/Moscow', personName: 'М' });
    const vladivostok = renderTelegram(itemsFor(), { language: 'ru', timezone: 'Asia/Vladivostok', personName: 'В' });
    expect(moscow).toContain('• срок: — → 25.12.2025 18:00');
    expect(moscow).toContain('срок 25.12.2025 18:00');
    expect(vladivostok).toContain('• срок: — → 26.12.2025 01:00');
    expect(vladivostok).toContain('срок 26.12.2025 01:00');
    expect(renderSms(itemsFor(), undefined, { language: 'ru', timezone: 'Asia/Vladivostok', personName: 'В' })).toContain(
      'срок 26.12 01:00',
    );
  });

  it('names the assignee by their person, and reads an old Change by its strings', () => {
    const text = renderTelegram(itemsFor(), { language: 'en', timezone: 'Europe/London', personName: 'A' });
    expect(text).toContain('• assignee: Old Name → Олег Сидоров');
    // The old Change (before typed values) keeps the editor's string.
    expect(text).toContain('• due: — → 24.12.2025 18:00');
    expect(text.startsWith('#12 "Отчёт"\n')).toBe(true);
  });
});
