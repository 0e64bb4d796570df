import { describe, expect, it } from 'vitest';
import {
  KEY_BYTES,
  SEALED_OVERHEAD,
  newDataKey,
  open,
  openText,
  seal,
  sealText,
} from './envelope.js';
import { DATA_LOSS_CODE, isDataLoss } from './errors.js';
import { errorOf } from './test-helpers.js';

const key = Buffer.alloc(KEY_BYTES, 7);
const otherKey = Buffer.alloc(KEY_BYTES, 8);
const plaintext = Buffer.from('the database password', 'utf8');

function dataLossOf(fn: () => unknown): string {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isDataLoss(thrown)).toBe(true);
  return (thrown as Error).message;
}

describe('newDataKey', () => {
  it('is 32 random bytes', () => {
    const a = newDataKey();
    expect(a).toHaveLength(32);
    expect(a.equals(newDataKey())).toBe(false);
  });
});

describe('seal and open', () => {
  it('round-trip, with and without aad, including empty plaintext', () => {
    expect(open(key, seal(key, plaintext)).equals(plaintext)).toBe(true);
    const aad = Buffer.from('entry 42');
    expect(open(key, seal(key, plaintext, aad), aad).equals(plaintext)).toBe(true);
    expect(open(key, seal(key, Buffer.alloc(0)))).toHaveLength(0);
  });

  it('lay out version 1, a 12-byte nonce, the ciphertext and a 16-byte tag', () => {
    const sealed = seal(key, plaintext);
    expect(SEALED_OVERHEAD).toBe(29);
    expect(sealed).toHaveLength(plaintext.length + 29);
    expect(sealed[0]).toBe(1);
    expect(sealed.includes(plaintext)).toBe(false);
  });

  it('use a fresh nonce each time', () => {
    const a = seal(key, plaintext);
    const b = seal(key, plaintext);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('refuse a wrong key', () => {
    expect(dataLossOf(() => open(otherKey, seal(key, plaintext)))).toBe(
      'cannot decrypt: wrong key or corrupted data',
    );
  });

  it('refuse a wrong or missing aad', () => {
    const sealed = seal(key, plaintext, Buffer.from('a'));
    dataLossOf(() => open(key, sealed, Buffer.from('b')));
    dataLossOf(() => open(key, sealed));
    dataLossOf(() => open(key, seal(key, plaintext), Buffer.from('a')));
  });

  it('refuse any flipped bit, in nonce, ciphertext or tag', () => {
    const sealed = seal(key, plaintext);
    for (let i = 1; i < sealed.length; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      expect(dataLossOf(() => open(key, tampered))).toMatch(/wrong key or corrupted data/);
    }
  });

  it('refuse an unknown version', () => {
    const sealed = seal(key, plaintext);
    sealed[0] = 2;
    expect(dataLossOf(() => open(key, sealed))).toBe(
      'cannot decrypt: unknown sealed format version 2',
    );
  });

  it('refuse truncated blobs of every length', () => {
    const sealed = seal(key, plaintext);
    expect(dataLossOf(() => open(key, sealed.subarray(0, 28)))).toBe(
      'cannot decrypt: sealed data is 28 bytes, too short',
    );
    for (let n = 0; n < sealed.length; n++) dataLossOf(() => open(key, sealed.subarray(0, n)));
    dataLossOf(() => open(key, Buffer.concat([sealed, Buffer.from([0])])));
  });

  it('report data loss with the catalogue code', () => {
    expect(errorOf(() => open(otherKey, seal(key, plaintext))).code).toBe(DATA_LOSS_CODE);
  });

  it('reject keys that are not 32 bytes', () => {
    expect(errorOf(() => seal(Buffer.alloc(16), plaintext))).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'an encryption key must be 32 bytes, not 16',
    });
    expect(errorOf(() => open(Buffer.alloc(33), seal(key, plaintext))).code).toBe(
      'INVALID_ARGUMENT',
    );
  });
});

describe('sealText and openText', () => {
  it('round-trip UTF-8 text through base64', () => {
    const text = 'pässwörd ✓';
    const sealed = sealText(key, text);
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(openText(key, sealed)).toBe(text);
    const aad = Buffer.from('x');
    expect(openText(key, sealText(key, text, aad), aad)).toBe(text);
  });

  it('refuse a wrong key, tampering and text that is not base64', () => {
    const sealed = sealText(key, 'secret');
    dataLossOf(() => openText(otherKey, sealed));
    const blob = Buffer.from(sealed, 'base64');
    blob[20] = (blob[20] ?? 0) ^ 0x80;
    dataLossOf(() => openText(key, blob.toString('base64')));
    expect(dataLossOf(() => openText(key, `${sealed}!`))).toBe(
      'cannot decrypt: sealed text is not base64',
    );
    expect(dataLossOf(() => openText(key, sealed.slice(0, 20)))).toMatch(/not base64|too short/);
  });
});
