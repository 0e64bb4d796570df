import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.js';

describe('BufferPool', () => {
  it('hands back what was given, up to its bound', () => {
    const pool = new BufferPool(16, 2);
    const [a, b, c] = [pool.take(), pool.take(), pool.take()];
    expect(a.length).toBe(16);
    expect(a).not.toBe(b);
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect(pool.available).toBe(2);
    const again = [pool.take(), pool.take()];
    expect(again.includes(a) && again.includes(b)).toBe(true);
    expect(pool.available).toBe(0);
  });

  it('keeps only buffers of its size, none from the shared allocation pool', () => {
    const pool = new BufferPool(16, 4);
    pool.give(Buffer.alloc(8));
    expect(pool.available).toBe(0);
    expect(pool.take().byteLength).toBe(pool.take().buffer.byteLength);
  });
});
