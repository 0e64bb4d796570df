import { describe, expect, it } from 'vitest';
import { KEY_BYTES, openText } from './envelope.js';
import { DATA_LOSS_CODE } from './errors.js';
import { openFields, sealFields, secretPaths, type SealedField } from './field-crypto.js';
import { errorOf } from './test-helpers.js';

const dek = Buffer.alloc(KEY_BYTES, 1);
const otherDek = Buffer.alloc(KEY_BYTES, 2);
const isData = secretPaths(['secrets', '*', 'spec', 'data']);

function storeSnapshot() {
  return {
    version: 7,
    secrets: [
      { id: 's1', spec: { name: 'db', data: 'aHVudGVyMg==', labels: { data: 'x' } } },
      { id: 's2', spec: { name: 'tls', data: 'LS0tLS1CRUdJTg==' } },
    ],
    configs: [{ id: 'c1', spec: { name: 'nginx', data: 'c2VydmVyIHt9' } }],
    nested: [[{ spec: { data: 'not a secret path' } }]],
    flags: [true, null, 3.5],
  };
}

describe('sealFields and openFields', () => {
  it('round-trip a store snapshot', () => {
    const input = storeSnapshot();
    const sealed = sealFields(input, dek, isData);
    expect(JSON.stringify(sealed)).not.toContain('aHVudGVyMg==');
    const reread: unknown = JSON.parse(JSON.stringify(sealed));
    expect(openFields(reread, dek)).toEqual(storeSnapshot());
  });

  it('seal only the strings at secret paths and copy the rest unchanged', () => {
    const sealed = sealFields(storeSnapshot(), dek, isData) as ReturnType<typeof storeSnapshot>;
    const [s1, s2] = sealed.secrets;
    const field = s1?.spec.data as unknown as SealedField;
    expect(Object.keys(field)).toEqual(['$sealed']);
    expect(openText(dek, field.$sealed, Buffer.from('swarmlet sealed field v1'))).toBe(
      'aHVudGVyMg==',
    );
    expect(s2?.spec.data).toHaveProperty('$sealed');
    const rest = { ...sealed, secrets: [] };
    expect(rest).toEqual({ ...storeSnapshot(), secrets: [] });
    expect(s1?.spec.labels).toEqual({ data: 'x' });
    expect(s1?.spec.name).toBe('db');
  });

  it('pass paths with array indices as strings', () => {
    const seen: string[] = [];
    sealFields({ a: [['x', { b: 'y' }]], n: 1 }, dek, (path) => {
      seen.push(path.join('/'));
      return false;
    });
    expect(seen).toEqual(['a/0/0', 'a/0/1/b']);
  });

  it('seal strings nested in arrays and at the root', () => {
    const sealed = sealFields({ keys: ['k1', 'k2'] }, dek, (p) => p[0] === 'keys');
    expect(sealed).toEqual({
      keys: [{ $sealed: expect.any(String) }, { $sealed: expect.any(String) }],
    });
    expect(openFields(sealed, dek)).toEqual({ keys: ['k1', 'k2'] });
    const root = sealFields('alone', dek, () => true);
    expect(root).toHaveProperty('$sealed');
    expect(openFields(root, dek)).toBe('alone');
  });

  it('never modify the input', () => {
    const input = storeSnapshot();
    const sealed = sealFields(input, dek, isData);
    expect(input).toEqual(storeSnapshot());
    const copy: unknown = JSON.parse(JSON.stringify(sealed));
    openFields(sealed, dek);
    expect(sealed).toEqual(copy);
  });

  it('keep a __proto__ key as data', () => {
    const input: unknown = JSON.parse('{"__proto__": {"data": "s"}}');
    const sealed = sealFields(input, dek, secretPaths(['__proto__', 'data']));
    expect(Object.getPrototypeOf(sealed)).toBe(Object.prototype);
    expect(openFields(sealed, dek)).toEqual(input);
  });

  it('refuse a wrong key and name the field', () => {
    const sealed = sealFields(storeSnapshot(), dek, isData);
    expect(errorOf(() => openFields(sealed, otherDek))).toEqual({
      code: DATA_LOSS_CODE,
      message: 'cannot decrypt the sealed field at secrets.0.spec.data',
    });
  });

  it('refuse a tampered field', () => {
    const sealed = sealFields({ data: 'secret' }, dek, () => true) as { data: SealedField };
    const blob = Buffer.from(sealed.data.$sealed, 'base64');
    blob[15] = (blob[15] ?? 0) ^ 4;
    const tampered = { data: { $sealed: blob.toString('base64') } };
    expect(errorOf(() => openFields(tampered, dek)).message).toBe(
      'cannot decrypt the sealed field at data',
    );
  });

  it('refuse malformed $sealed objects', () => {
    const message = 'cannot decrypt: malformed sealed field at a.0';
    for (const bad of [{ $sealed: 1 }, { $sealed: 'x', more: true }]) {
      expect(errorOf(() => openFields({ a: [bad] }, dek))).toEqual({
        code: DATA_LOSS_CODE,
        message,
      });
    }
  });

  it('refuse to seal a tree that already has a $sealed key', () => {
    const sealed = sealFields({ data: 'x' }, dek, () => true);
    expect(errorOf(() => sealFields(sealed, dek, () => true))).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'cannot seal: data has a $sealed key',
    });
  });

  it('refuse values that are not JSON', () => {
    for (const bad of [new Date(0), Buffer.from('x'), 10n, () => 1, new Map()]) {
      expect(errorOf(() => sealFields({ a: { b: bad } }, dek, () => false))).toEqual({
        code: 'INVALID_ARGUMENT',
        message: 'cannot copy a.b: not a JSON value',
      });
    }
  });
});

describe('secretPaths', () => {
  it('match whole paths, with * for one segment', () => {
    const match = secretPaths(['a', '*', 'c'], ['x']);
    expect(match(['a', '0', 'c'])).toBe(true);
    expect(match(['a', 'b', 'c'])).toBe(true);
    expect(match(['x'])).toBe(true);
    expect(match(['a', 'c'])).toBe(false);
    expect(match(['a', '0', 'c', 'd'])).toBe(false);
    expect(match(['x', 'y'])).toBe(false);
    expect(secretPaths()(['x'])).toBe(false);
  });
});
