import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorOf } from './test-helpers.js';
import {
  MAX_CONFIG_BYTES,
  MAX_SECRET_BYTES,
  checkConfigData,
  checkName,
  checkSecretData,
} from './validate.js';

// Made once by testdata/gen.sh with openssl; the keys are test-only.
function fixture(name: string): Buffer {
  return readFileSync(new URL(`testdata/${name}`, import.meta.url));
}
const EC = fixture('ec-pkcs8.pem');
const EC_INFO = {
  subject: 'O=swarmlet tests, CN=web.example.test',
  issuer: 'O=swarmlet tests, CN=web.example.test',
  notBefore: '2026-11-21T10:47:40.000Z',
  notAfter: '2126-10-28T10:47:40.000Z',
};

function blocks(pem: Buffer): string[] {
  return pem.toString().match(/-----BEGIN [\s\S]*?-----END [^-]+-----\n/g) ?? [];
}

function tlsError(text: string): string {
  const e = errorOf(() => checkSecretData(Buffer.from(text), 'tls'));
  expect(e.code).toBe('INVALID_ARGUMENT');
  return e.message;
}

describe('secret and config sizes', () => {
  it('are 500 KiB and 1000 KiB', () => {
    expect(MAX_SECRET_BYTES).toBe(512_000);
    expect(MAX_CONFIG_BYTES).toBe(1_024_000);
  });

  it('accept data up to the limit and refuse one byte more', () => {
    expect(checkSecretData(Buffer.alloc(MAX_SECRET_BYTES), 'opaque')).toBeUndefined();
    expect(errorOf(() => checkSecretData(Buffer.alloc(612_345), 'opaque'))).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'secret is 612345 bytes; the limit is 512000',
    });
    expect(tlsError('x'.repeat(MAX_SECRET_BYTES + 1))).toBe(
      'secret is 512001 bytes; the limit is 512000',
    );
    expect(() => checkConfigData(Buffer.alloc(MAX_CONFIG_BYTES))).not.toThrow();
    expect(errorOf(() => checkConfigData(Buffer.alloc(MAX_CONFIG_BYTES + 1))).message).toBe(
      'config is 1024001 bytes; the limit is 1024000',
    );
  });

  it('refuse empty data', () => {
    expect(errorOf(() => checkSecretData(Buffer.alloc(0), 'opaque')).message).toBe(
      'secret data is empty',
    );
    expect(errorOf(() => checkConfigData(Buffer.alloc(0))).message).toBe('config data is empty');
  });
});

describe('tls secrets', () => {
  it('summarise the certificate of an EC key in PKCS#8, certificate first', () => {
    expect(checkSecretData(EC, 'tls')).toEqual(EC_INFO);
  });

  it('accept an EC key in SEC1 form placed before the certificate', () => {
    const pem = fixture('ec-sec1.pem');
    expect(blocks(pem)[0]).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(checkSecretData(pem, 'tls')).toEqual(EC_INFO);
  });

  it('accept an RSA key in PKCS#1 form', () => {
    expect(checkSecretData(fixture('rsa-pkcs1.pem'), 'tls')).toEqual({
      subject: 'CN=rsa.example.test',
      issuer: 'CN=rsa.example.test',
      notBefore: '2026-11-21T10:47:40.000Z',
      notAfter: '2026-12-21T10:47:40.000Z',
    });
  });

  it('check the key against the first certificate of a chain', () => {
    const [cert = '', key = ''] = blocks(EC);
    const [rsaCert = ''] = blocks(fixture('rsa-pkcs1.pem'));
    expect(checkSecretData(Buffer.from(cert + rsaCert + key), 'tls')).toEqual(EC_INFO);
    expect(tlsError(rsaCert + cert + key)).toBe('the private key does not match the certificate');
  });

  it('refuse a key that belongs to another certificate', () => {
    expect(tlsError(fixture('mismatch.pem').toString())).toBe(
      'the private key does not match the certificate',
    );
  });

  it('refuse data without a certificate or without a key', () => {
    const [cert = '', key = ''] = blocks(EC);
    expect(tlsError('just some text')).toBe('no PEM certificate found');
    expect(tlsError(key)).toBe('no PEM certificate found');
    expect(tlsError(cert)).toBe('no PEM private key found');
  });

  it('refuse encrypted keys and extra keys', () => {
    expect(tlsError(fixture('encrypted.pem').toString())).toBe(
      'the private key is encrypted; give it without a passphrase',
    );
    const [cert = '', key = ''] = blocks(EC);
    expect(tlsError(cert + key + key)).toBe('found 2 private keys; expected one');
  });

  it('refuse blocks that do not parse', () => {
    const [cert = '', key = ''] = blocks(EC);
    const badCert = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(tlsError(badCert + key)).toMatch(/^the first certificate cannot be parsed: /);
    const badKey = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
    expect(tlsError(cert + badKey)).toMatch(/^the private key cannot be parsed: /);
  });

  it('never put the key in an error message', () => {
    const [, key = ''] = blocks(fixture('mismatch.pem'));
    const body = key.split('\n')[1] ?? '';
    expect(body.length).toBeGreaterThan(20);
    expect(tlsError(fixture('mismatch.pem').toString())).not.toContain(body.slice(0, 20));
  });
});

describe('checkName', () => {
  it("accept Docker's names", () => {
    for (const name of ['a', 'db_password', 'my-secret.v2', 'A1', 'x'.repeat(64), '0-_.9']) {
      expect(() => checkName('secret', name)).not.toThrow();
    }
  });

  it('refuse empty and long names', () => {
    expect(errorOf(() => checkName('secret', ''))).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'secret name must be 1 to 64 characters, not 0',
    });
    expect(errorOf(() => checkName('config', 'x'.repeat(65))).message).toBe(
      'config name must be 1 to 64 characters, not 65',
    );
  });

  it('refuse other characters and bad ends', () => {
    for (const name of ['-a', 'a-', '.a', 'a_', 'a b', 'a/b', 'é', 'a\n']) {
      expect(errorOf(() => checkName('config', name))).toEqual({
        code: 'INVALID_ARGUMENT',
        message:
          `invalid config name ${JSON.stringify(name)}: only [a-zA-Z0-9-_.] are allowed, ` +
          'and it must start and end with a letter or digit',
      });
    }
  });
});
