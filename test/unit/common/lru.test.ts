import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from '../../../electron/common/lru';

describe('LruCache', () => {
  it('evicts the least recently used entry, counting reads as use', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    assert.equal(cache.get('a'), 1); // a is now the newest; b the oldest
    cache.set('d', 4);
    assert.deepEqual(
      { a: cache.get('a'), b: cache.get('b'), c: cache.get('c'), d: cache.get('d'), size: cache.size },
      { a: 1, b: undefined, c: 3, d: 4, size: 3 },
    );
  });

  it('replacing a key keeps one entry and refreshes it', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    cache.set('c', 3); // evicts b, not the refreshed a
    assert.deepEqual([cache.get('a'), cache.has('b'), cache.get('c'), cache.size], [10, false, 3, 2]);
  });

  it('refuses a capacity below one', () => {
    assert.throws(() => new LruCache(0), RangeError);
  });
});
