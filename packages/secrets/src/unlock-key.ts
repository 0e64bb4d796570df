import { hkdfSync, randomBytes } from 'node:crypto';
import { SwarmletError } from '@swarmlet/api-types';
import { KEY_BYTES, open, seal } from './envelope.js';
import { dataLoss, isDataLoss } from './errors.js';

/** Unlock key prefix and version, after swarmkit's `SWMKEY-1-`. */
export const UNLOCK_KEY_PREFIX = 'SWLKEY-1-';
const UNLOCK_KEY_BYTES = 32;
const BASE64URL_CHARS = 43; // 32 bytes, unpadded
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const HKDF_INFO = 'swarmlet unlock key';
// Binds the sealed DEK to its purpose, so no other blob sealed under the same derived key fits.
const WRAP_AAD = Buffer.from('swarmlet data key v1', 'utf8');

/**
 * A data key as it is stored on a manager's disk (`keys/dek.json`): plain JSON.
 * - `locked: false`: `data` is the DEK itself in base64 (autolock off: the disk holds the key,
 *   as Swarm keeps its KEK beside the Raft log).
 * - `locked: true`: `data` is the DEK sealed (see `seal`) under a key derived from the unlock key,
 *   in base64. Only a holder of the unlock key can recover the DEK.
 */
export interface WrappedKey {
  version: 1;
  locked: boolean;
  data: string;
}

/** A new unlock key, `SWLKEY-1-<32 random bytes in unpadded base64url>` (52 characters). */
export function newUnlockKey(): string {
  return UNLOCK_KEY_PREFIX + randomBytes(UNLOCK_KEY_BYTES).toString('base64url');
}

/**
 * The 32 secret bytes of an unlock key. Surrounding whitespace is ignored (keys are pasted).
 * Throws INVALID_ARGUMENT `invalid unlock key: <reason>`; the message never echoes the key.
 */
export function parseUnlockKey(text: string): Buffer {
  const key = text.trim();
  if (!key.startsWith(UNLOCK_KEY_PREFIX)) {
    throw invalidKey(`it must start with ${UNLOCK_KEY_PREFIX}`);
  }
  const body = key.slice(UNLOCK_KEY_PREFIX.length);
  if (body.length !== BASE64URL_CHARS) {
    throw invalidKey(`expected ${BASE64URL_CHARS} characters after ${UNLOCK_KEY_PREFIX}`);
  }
  const bytes = Buffer.from(body, 'base64url');
  // The regex rejects foreign characters; the round trip rejects a last character with stray bits.
  if (!BASE64URL.test(body) || bytes.toString('base64url') !== body) {
    throw invalidKey('it is not base64url');
  }
  return bytes;
}

/**
 * Stores dek for disk. Without an unlock key the result is not locked and holds the DEK in
 * base64; with one, the DEK is sealed under HKDF-SHA256(unlock key, info 'swarmlet unlock key').
 * Rotating the unlock key is `wrapDataKey(unwrapDataKey(wrapped, oldKey), newKey)`: the DEK, and
 * so every sealed entry, stays the same. Throws INVALID_ARGUMENT on a malformed unlock key.
 */
export function wrapDataKey(dek: Buffer, unlockKey: string | undefined): WrappedKey {
  if (dek.length !== KEY_BYTES) {
    throw new SwarmletError('INVALID_ARGUMENT', `a data key must be ${KEY_BYTES} bytes`);
  }
  if (unlockKey === undefined) return { version: 1, locked: false, data: dek.toString('base64') };
  const kek = deriveKek(parseUnlockKey(unlockKey));
  return { version: 1, locked: true, data: seal(kek, dek, WRAP_AAD).toString('base64') };
}

/**
 * The DEK inside wrapped. The unlock key is ignored when wrapped is not locked.
 * Throws SwarmletError:
 * - FAILED_PRECONDITION when wrapped is locked and no unlock key is given;
 * - INVALID_ARGUMENT when the unlock key is malformed or is not the one that locked the DEK (a
 *   corrupted locked key reads the same way: GCM cannot tell them apart);
 * - data loss (`DATA_LOSS_CODE`) when wrapped is not a well-formed WrappedKey.
 * It has no side effects, so a failed unlock can simply be retried.
 */
export function unwrapDataKey(wrapped: WrappedKey, unlockKey: string | undefined): Buffer {
  checkWrapped(wrapped);
  const data = Buffer.from(wrapped.data, 'base64');
  if (!wrapped.locked) return checkDek(data);
  if (unlockKey === undefined) {
    throw new SwarmletError('FAILED_PRECONDITION', 'this manager is locked: run `swarmlet unlock`');
  }
  const kek = deriveKek(parseUnlockKey(unlockKey));
  try {
    return checkDek(open(kek, data, WRAP_AAD));
  } catch (e) {
    if (!isDataLoss(e)) throw e;
    throw new SwarmletError('INVALID_ARGUMENT', 'the unlock key is not the right one');
  }
}

function deriveKek(unlockKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', unlockKey, Buffer.alloc(0), HKDF_INFO, KEY_BYTES));
}

function checkWrapped(wrapped: WrappedKey): void {
  const w = wrapped as unknown as Record<string, unknown> | null;
  if (typeof w !== 'object' || w === null) throw dataLoss('invalid wrapped key: not an object');
  if (w['version'] !== 1)
    throw dataLoss(`invalid wrapped key: unknown version ${String(w['version'])}`);
  if (typeof w['locked'] !== 'boolean')
    throw dataLoss('invalid wrapped key: locked must be a boolean');
  const data = w['data'];
  if (typeof data !== 'string' || Buffer.from(data, 'base64').toString('base64') !== data) {
    throw dataLoss('invalid wrapped key: data must be base64');
  }
}

function checkDek(dek: Buffer): Buffer {
  if (dek.length !== KEY_BYTES) {
    throw dataLoss(`invalid data key: ${dek.length} bytes instead of ${KEY_BYTES}`);
  }
  return dek;
}

function invalidKey(reason: string): SwarmletError {
  return new SwarmletError('INVALID_ARGUMENT', `invalid unlock key: ${reason}`);
}
