import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Table } from './crc32.js';

describe('crc32', () => {
  it('matches the IEEE check value for "123456789"', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32Table(check)).toBe(0xcbf43926);
    expect(crc32(check)).toBe(0xcbf43926);
  });

  it('table and native implementations agree, including when continued', () => {
    for (let i = 0; i < 50; i++) {
      const b = randomBytes(i * 37);
      expect(crc32Table(b)).toBe(crc32(b));
      const cut = Math.floor(b.length / 2);
      expect(crc32Table(b.subarray(cut), crc32Table(b.subarray(0, cut)))).toBe(crc32(b));
    }
  });
});
