import { describe, expect, it } from 'vitest';
import { newDataKey, open } from './envelope.js';
import { DATA_LOSS_CODE, isDataLoss } from './errors.js';
import { errorOf } from './test-helpers.js';
import { newUnlockKey, parseUnlockKey, unwrapDataKey, wrapDataKey } from './unlock-key.js';

const BODY = 'A'.repeat(42) + 'E'; // 43 chars whose last one carries only used bits

describe('unlock keys', () => {
  it('have the form SWLKEY-1-<43 base64url chars> and carry 32 random bytes', () => {
    const key = newUnlockKey();
    expect(key).toMatch(/^SWLKEY-1-[A-Za-z0-9_-]{43}$/);
    expect(parseUnlockKey(key)).toHaveLength(32);
    expect(parseUnlockKey(key).toString('base64url')).toBe(key.slice(9));
    expect(newUnlockKey()).not.toBe(key);
  });

  it('parse with surrounding whitespace, as pasted', () => {
    const key = newUnlockKey();
    expect(parseUnlockKey(`  ${key}\n`).equals(parseUnlockKey(key))).toBe(true);
  });

  it('parse a body that contains dashes', () => {
    const bytes = Buffer.alloc(32, 0xfb); // base64url '-_v7...'
    const body = bytes.toString('base64url');
    expect(body).toContain('-');
    expect(parseUnlockKey(`SWLKEY-1-${body}`).equals(bytes)).toBe(true);
  });

  it('parse errors name the problem and never echo the key', () => {
    const cases: [string, string][] = [
      [`SWMKEY-1-${BODY}`, 'invalid unlock key: it must start with SWLKEY-1-'],
      [`SWLKEY-2-${BODY}`, 'invalid unlock key: it must start with SWLKEY-1-'],
      ['', 'invalid unlock key: it must start with SWLKEY-1-'],
      [`SWLKEY-1-${BODY}A`, 'invalid unlock key: expected 43 characters after SWLKEY-1-'],
      [`SWLKEY-1-${BODY.slice(1)}`, 'invalid unlock key: expected 43 characters after SWLKEY-1-'],
      [`SWLKEY-1-${BODY.slice(1)}=`, 'invalid unlock key: it is not base64url'],
      [`SWLKEY-1-${BODY.slice(1)}+`, 'invalid unlock key: it is not base64url'],
      [`SWLKEY-1-${BODY.slice(1)}B`, 'invalid unlock key: it is not base64url'], // stray bits
    ];
    for (const [text, message] of cases) {
      expect(errorOf(() => parseUnlockKey(text))).toEqual({ code: 'INVALID_ARGUMENT', message });
    }
  });
});

describe('wrapping the data key', () => {
  it('without an unlock key stores the DEK as is', () => {
    const dek = newDataKey();
    const wrapped = wrapDataKey(dek, undefined);
    expect(wrapped).toEqual({ version: 1, locked: false, data: dek.toString('base64') });
    expect(unwrapDataKey(wrapped, undefined).equals(dek)).toBe(true);
    expect(unwrapDataKey(wrapped, newUnlockKey()).equals(dek)).toBe(true);
  });

  it('with an unlock key seals the DEK and survives JSON', () => {
    const dek = newDataKey();
    const unlockKey = newUnlockKey();
    const wrapped = wrapDataKey(dek, unlockKey);
    expect(wrapped.version).toBe(1);
    expect(wrapped.locked).toBe(true);
    expect(Buffer.from(wrapped.data, 'base64').includes(dek)).toBe(false);
    const reread = JSON.parse(JSON.stringify(wrapped)) as typeof wrapped;
    expect(unwrapDataKey(reread, unlockKey).equals(dek)).toBe(true);
  });

  it('derives the sealing key from the unlock key, not the unlock key itself', () => {
    const unlockKey = newUnlockKey();
    const sealed = Buffer.from(wrapDataKey(newDataKey(), unlockKey).data, 'base64');
    const raw = parseUnlockKey(unlockKey);
    expect(isDataLoss(catchError(() => open(raw, sealed)))).toBe(true);
  });

  it('locked without the unlock key: FAILED_PRECONDITION', () => {
    const wrapped = wrapDataKey(newDataKey(), newUnlockKey());
    expect(errorOf(() => unwrapDataKey(wrapped, undefined))).toEqual({
      code: 'FAILED_PRECONDITION',
      message: 'this manager is locked: run `swarmlet unlock`',
    });
  });

  it('locked with another unlock key, or a corrupted blob: INVALID_ARGUMENT', () => {
    const unlockKey = newUnlockKey();
    const wrapped = wrapDataKey(newDataKey(), unlockKey);
    const wrong = { code: 'INVALID_ARGUMENT', message: 'the unlock key is not the right one' };
    expect(errorOf(() => unwrapDataKey(wrapped, newUnlockKey()))).toEqual(wrong);
    const blob = Buffer.from(wrapped.data, 'base64');
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 1;
    const tampered = { ...wrapped, data: blob.toString('base64') };
    expect(errorOf(() => unwrapDataKey(tampered, unlockKey))).toEqual(wrong);
  });

  it('locked with a malformed unlock key: the parse error', () => {
    const wrapped = wrapDataKey(newDataKey(), newUnlockKey());
    expect(errorOf(() => unwrapDataKey(wrapped, 'nope')).message).toBe(
      'invalid unlock key: it must start with SWLKEY-1-',
    );
    expect(errorOf(() => wrapDataKey(newDataKey(), 'nope')).code).toBe('INVALID_ARGUMENT');
  });

  it('rotation rewraps the same DEK under a new unlock key', () => {
    const dek = newDataKey();
    const [oldKey, newKey] = [newUnlockKey(), newUnlockKey()];
    const rotated = wrapDataKey(unwrapDataKey(wrapDataKey(dek, oldKey), oldKey), newKey);
    expect(unwrapDataKey(rotated, newKey).equals(dek)).toBe(true);
    expect(errorOf(() => unwrapDataKey(rotated, oldKey)).code).toBe('INVALID_ARGUMENT');
    const unlocked = wrapDataKey(unwrapDataKey(rotated, newKey), undefined);
    expect(unwrapDataKey(unlocked, undefined).equals(dek)).toBe(true);
  });

  it('refuses to wrap a DEK that is not 32 bytes', () => {
    expect(errorOf(() => wrapDataKey(Buffer.alloc(31), undefined))).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'a data key must be 32 bytes',
    });
  });

  it('reports a malformed WrappedKey as data loss', () => {
    const good = wrapDataKey(newDataKey(), undefined);
    const cases: [unknown, string][] = [
      [null, 'invalid wrapped key: not an object'],
      [{ ...good, version: 2 }, 'invalid wrapped key: unknown version 2'],
      [{ ...good, locked: 'no' }, 'invalid wrapped key: locked must be a boolean'],
      [{ ...good, data: 42 }, 'invalid wrapped key: data must be base64'],
      [{ ...good, data: `${good.data}!` }, 'invalid wrapped key: data must be base64'],
      [{ ...good, data: 'AAAA' }, 'invalid data key: 3 bytes instead of 32'],
    ];
    for (const [wrapped, message] of cases) {
      expect(errorOf(() => unwrapDataKey(wrapped as typeof good, undefined))).toEqual({
        code: DATA_LOSS_CODE,
        message,
      });
    }
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
