import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PayloadCipher } from './cipher.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM `PayloadCipher` for tests: `nonce(12) | ciphertext | tag(16)`,
 * a fresh random nonce per seal. A real one, so the tests see real sealed sizes
 * and real authentication failures.
 */
export function testCipher(key: Uint8Array = randomBytes(32)): PayloadCipher {
  return {
    seal(plain) {
      const nonce = randomBytes(NONCE_BYTES);
      const c = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([nonce, body, c.getAuthTag()]);
    },
    open(sealed) {
      if (sealed.byteLength < NONCE_BYTES + TAG_BYTES) throw new Error('sealed data too short');
      const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, NONCE_BYTES));
      d.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
      const body = buf.subarray(NONCE_BYTES, buf.length - TAG_BYTES);
      return new Uint8Array(Buffer.concat([d.update(body), d.final()]));
    },
  };
}
