import { timingSafeEqual } from 'node:crypto';

/** Lowercase base36 of an unsigned big-endian number, left-padded with zeros to `width` chars. */
export function toBase36(bytes: Uint8Array, width: number): string {
  const n = bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  return n.toString(36).padStart(width, '0');
}

/** The value of a lowercase base36 string (caller has checked the characters). */
export function fromBase36(text: string): bigint {
  let n = 0n;
  for (const ch of text) n = n * 36n + BigInt(parseInt(ch, 36));
  return n;
}

/**
 * Constant-time equality of two strings. Only the lengths (public for every token format here)
 * can leak through timing; the contents cannot.
 */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
