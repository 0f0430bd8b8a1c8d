/** Task edits, typed (src/domain/task-edits.ts): parsed from what people type, kept, and read back. */
import {
  changesNothing,
  decodeEdit,
  encodeEdit,
  fieldChangesOf,
  parseEditText,
  peopleNamedIn,
  readFieldChange,
  type TaskEdit,
} from '../../src/domain/task-edits.js';
import { refusal } from '../support/thrown.js';

describe('parseEditText', () => {
  const now = new Date('2026-03-10T09:00:00Z');
  it.each<[Parameters<typeof parseEditText>[0], string, TaskEdit]>([
    ['status', ' в работе ', { field: 'status', to: 'in_progress' }],
    ['priority', 'срочно', { field: 'priority', to: 'urgent' }],
    ['title', '  Two   words ', { field: 'title', to: 'Two words' }],
    ['description', 'off', { field: 'description', to: null }],
    ['description', ' text ', { field: 'description', to: 'text' }],
    ['private', 'да', { field: 'private', to: true }],
    ['due', 'off', { field: 'due', to: null }],
    ['due', '25.12.2026 18:00', { field: 'due', to: new Date('2026-12-25T15:00:00Z') }],
  ])('reads %s %j', (field, raw, edit) => {
    expect(parseEditText(field, raw, 'Europe/Moscow', now)).toEqual(edit);
  });

  it('refuses what is no value of the field, as the field’s own parser does', () => {
    expect(refusal(() => parseEditText('status', 'almost', 'UTC'))).toMatchObject({ code: 'status_invalid' });
    expect(refusal(() => parseEditText('title', '   ', 'UTC'))).toMatchObject({ code: 'title_empty' });
  });
});

describe('an edit kept between the steps of a conversation', () => {
  it.each<TaskEdit>([
    { field: 'due', to: new Date('2026-12-25T15:00:00Z') },
    { field: 'due', to: null },
    { field: 'assignee', to: '65a1b2c3d4e5f60718293a4b' },
    { field: 'private', to: false },
    { field: 'description', to: null },
  ])('comes back as it was: %j', (edit) => {
    expect(decodeEdit(encodeEdit(edit))).toEqual(edit);
  });

  it('refuses anything else', () => {
    expect(() => decodeEdit('{"field":"status","to":"almost"}')).toThrow(TypeError);
    expect(() => decodeEdit('{"field":"colour","to":"red"}')).toThrow(TypeError);
    expect(() => decodeEdit('{"field":"due","to":"not a date"}')).toThrow(TypeError);
  });
});

describe('stored field changes', () => {
  it('are read back by their types', () => {
    const due = new Date('2026-12-25T15:00:00Z');
    expect(readFieldChange({ field: 'due', from: null, to: due })).toEqual({ field: 'due', from: null, to: due });
    expect(readFieldChange({ field: 'comment', to: 'ok' })).toEqual({ field: 'comment', to: 'ok' });
    expect(readFieldChange({ field: 'private', from: 'off', to: 'on' })).toBeUndefined();
    expect(readFieldChange({ field: 'status', from: 'new', to: 'almost' })).toBeUndefined();
    expect(readFieldChange({ field: 'assignee', from: null, to: 7 })).toBeUndefined();
    expect(readFieldChange({ field: 'due', from: null, to: new Date(NaN) })).toBeUndefined();
    expect(readFieldChange({ field: 'colour', from: 'red', to: 'blue' })).toBeUndefined();
    expect(readFieldChange('status')).toBeUndefined();
  });

  it('make a damaged Change throw, so that its delivery fails alone', () => {
    expect(() => fieldChangesOf('not a list')).toThrow(TypeError);
    expect(() => fieldChangesOf([{ field: 'status', from: 'new', to: 'done' }, { field: 'comment' }])).toThrow(TypeError);
    expect(fieldChangesOf([])).toEqual([]);
  });

  it('change nothing when both sides are the same value, dates by their instant', () => {
    const at = (iso: string) => new Date(iso);
    expect(changesNothing({ field: 'due', from: at('2026-12-25T15:00:00Z'), to: at('2026-12-25T15:00:00Z') })).toBe(true);
    expect(changesNothing({ field: 'due', from: null, to: at('2026-12-25T15:00:00Z') })).toBe(false);
    expect(changesNothing({ field: 'due', from: null, to: null })).toBe(true);
    expect(changesNothing({ field: 'status', from: 'new', to: 'new' })).toBe(true);
    expect(changesNothing({ field: 'private', from: false, to: true })).toBe(false);
    expect(changesNothing({ field: 'comment', to: 'same' })).toBe(false);
  });

  it('name the people they mention: an assignee before and after', () => {
    expect(
      peopleNamedIn([
        { field: 'assignee', from: null, to: 'p2' },
        { field: 'assignee', from: 'p1', to: 'p3' },
        { field: 'status', from: 'new', to: 'done' },
      ]),
    ).toEqual(['p2', 'p1', 'p3']);
  });
});
