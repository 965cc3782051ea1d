import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../src/platform/batcher.js';

describe('createBatcher', () => {
  it('flushes the items submitted in one turn of the event loop together, in order', async () => {
    const flushes: number[][] = [];
    const batcher = createBatcher(
      async (items: number[]) => {
        flushes.push(items);
        return items.map((item) => item * 10);
      },
      { maxBatch: 100 },
    );
    expect(await Promise.all([1, 2, 3].map((item) => batcher.submit(item)))).toEqual([10, 20, 30]);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it('caps a flush at maxBatch and collects what arrives while one runs into the next', async () => {
    const flushes: number[][] = [];
    const batcher = createBatcher(
      async (items: number[]) => {
        flushes.push(items);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return items;
      },
      { maxBatch: 2 },
    );
    const first = [1, 2, 3].map((item) => batcher.submit(item));
    await new Promise((resolve) => setImmediate(resolve));
    const later = batcher.submit(4);
    expect(await Promise.all([...first, later])).toEqual([1, 2, 3, 4]);
    expect(flushes).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('rejects every item of a failed flush, unless retryAlone flushes each again on its own', async () => {
    const failing = (items: number[]) => {
      if (items.includes(2)) throw new Error(`bad batch ${items.join(',')}`);
      return Promise.resolve(items);
    };
    const strict = createBatcher(async (items: number[]) => failing(items), { maxBatch: 10 });
    const strictResults = await Promise.allSettled([1, 2, 3].map((item) => strict.submit(item)));
    expect(strictResults.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);

    const flushes: number[][] = [];
    const forgiving = createBatcher(
      async (items: number[]) => {
        flushes.push(items);
        return failing(items);
      },
      { maxBatch: 10, retryAlone: true },
    );
    const results = await Promise.allSettled([1, 2, 3].map((item) => forgiving.submit(item)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('bad batch 2'));
    expect(flushes).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('runs up to `concurrency` flushes at once', async () => {
    let running = 0;
    let most = 0;
    const batcher = createBatcher(
      async (items: number[]) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return items;
      },
      { maxBatch: 1, concurrency: 3 },
    );
    await Promise.all([1, 2, 3, 4, 5, 6].map((item) => batcher.submit(item)));
    expect(most).toBe(3);
  });
});
