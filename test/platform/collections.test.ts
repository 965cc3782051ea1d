import { describe, expect, it } from 'vitest';
import { groupBy } from '../../src/platform/collections.js';

describe('groupBy', () => {
  it('groups by key, keeping the first-seen order of keys and of items', () => {
    const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (item) => item[0]);
    expect([...groups.entries()]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1', 'a2']],
      ['c', ['c1']],
    ]);
    expect(groupBy([], (item: string) => item).size).toBe(0);
  });
});
