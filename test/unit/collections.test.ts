import { groupBy } from '../../src/domain/collections.js';

describe('groupBy', () => {
  it('groups items by key in their order, first key first', () => {
    const words = ['apple', 'bee', 'avocado', 'cat', 'banana'];
    expect([...groupBy(words, (w) => w[0])]).toEqual([
      ['a', ['apple', 'avocado']],
      ['b', ['bee', 'banana']],
      ['c', ['cat']],
    ]);
  });

  it('keeps what valueOf picks, and is empty for no items', () => {
    const rows = [
      { id: 1, team: 'x' },
      { id: 2, team: 'y' },
      { id: 3, team: 'x' },
    ];
    expect(
      groupBy(
        rows,
        (r) => r.team,
        (r) => r.id,
      ),
    ).toEqual(
      new Map([
        ['x', [1, 3]],
        ['y', [2]],
      ]),
    );
    expect(groupBy([], String).size).toBe(0);
  });
});
