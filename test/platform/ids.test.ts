import { describe, expect, it } from 'vitest';
import { isId, newId } from '../../src/platform/ids.js';

describe('ids', () => {
  it('are 24 lower-case hex characters', () => {
    const id = newId();
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(isId(id)).toBe(true);
    expect(isId('ABC')).toBe(false);
  });

  it('sort by creation time and never repeat', () => {
    const earlier = newId(Date.UTC(2026, 0, 1));
    const later = newId(Date.UTC(2026, 0, 2));
    expect(earlier < later).toBe(true);
    const many = new Set(Array.from({ length: 10_000 }, () => newId()));
    expect(many.size).toBe(10_000);
  });

  it('carry their creation second in the first 8 characters', () => {
    const at = Date.UTC(2026, 10, 27, 12, 0, 0);
    expect(Number.parseInt(newId(at).slice(0, 8), 16)).toBe(at / 1000);
  });
});
