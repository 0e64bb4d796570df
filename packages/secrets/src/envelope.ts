import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SwarmletError } from '@swarmlet/api-types';
import { dataLoss } from './errors.js';

/** Length of a data key, and of every key `seal` accepts: AES-256. */
export const KEY_BYTES = 32;
/** The first byte of every sealed blob. A new layout gets a new version. */
export const SEALED_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;
/** The shortest possible sealed blob: version, nonce and tag around an empty plaintext. */
export const SEALED_OVERHEAD = HEADER_BYTES + TAG_BYTES;
const ALGORITHM = 'aes-256-gcm';

/** A new random data encryption key (DEK): 32 bytes from the CSPRNG. */
export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * Encrypts plaintext with AES-256-GCM under key. The result is
 * `version (1 byte, 0x01) | nonce (12 random bytes) | ciphertext | tag (16 bytes)`, so it is
 * `SEALED_OVERHEAD` bytes longer than the plaintext. `aad` is authenticated but not stored: `open`
 * must be given the same bytes. Each call draws a fresh nonce; with 96-bit random nonces a key
 * stays safe for far more messages than a manager writes (NIST's bound is 2^32).
 * Throws INVALID_ARGUMENT when the key is not 32 bytes.
 */
export function seal(key: Buffer, plaintext: Buffer, aad?: Buffer): Buffer {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  if (aad) cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([SEALED_VERSION]), nonce, body, cipher.getAuthTag()]);
}

/**
 * Decrypts a blob made by `seal` with the same key and aad. It returns the plaintext only when
 * the tag verifies: a wrong key, a wrong aad, a flipped bit, a truncated blob or an unknown
 * version throws a data-loss SwarmletError (see `DATA_LOSS_CODE`) and never returns garbage.
 * Throws INVALID_ARGUMENT when the key is not 32 bytes.
 */
export function open(key: Buffer, sealed: Buffer, aad?: Buffer): Buffer {
  checkKey(key);
  if (sealed.length < SEALED_OVERHEAD) {
    throw dataLoss(`cannot decrypt: sealed data is ${sealed.length} bytes, too short`);
  }
  if (sealed[0] !== SEALED_VERSION) {
    throw dataLoss(`cannot decrypt: unknown sealed format version ${sealed[0]}`);
  }
  const nonce = sealed.subarray(1, HEADER_BYTES);
  const body = sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    if (aad) decipher.setAAD(aad);
    // The plaintext is only released after final() has checked the tag.
    const head = decipher.update(body);
    return Buffer.concat([head, decipher.final()]);
  } catch (cause) {
    throw dataLoss('cannot decrypt: wrong key or corrupted data', cause);
  }
}

/** `seal` for text: encrypts the UTF-8 bytes of text and returns the blob in base64. */
export function sealText(key: Buffer, text: string, aad?: Buffer): string {
  return seal(key, Buffer.from(text, 'utf8'), aad).toString('base64');
}

/**
 * Reverses `sealText`. Throws the same data-loss error as `open`, including when `sealed` is not
 * canonical base64 (Node's decoder would otherwise skip bad characters silently).
 */
export function openText(key: Buffer, sealed: string, aad?: Buffer): string {
  const blob = Buffer.from(sealed, 'base64');
  if (blob.toString('base64') !== sealed)
    throw dataLoss('cannot decrypt: sealed text is not base64');
  return open(key, blob, aad).toString('utf8');
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new SwarmletError(
      'INVALID_ARGUMENT',
      `an encryption key must be ${KEY_BYTES} bytes, not ${key.length}`,
    );
  }
}
