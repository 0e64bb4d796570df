import { X509Certificate, createHash } from 'node:crypto';
import { isSwarmletError } from '@swarmlet/api-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { caDigest, createRootCA, type RootCA } from './root-ca.js';
import { x509 } from './x509.js';

let root: RootCA;
beforeAll(async () => {
  root = await createRootCA({ commonName: 'test-ca', validityDays: 10 });
});

describe('createRootCA', () => {
  it('is self-signed: issuer = subject, signature verifies with its own key', () => {
    const cert = new X509Certificate(root.certPem);
    expect(cert.subject).toBe('CN=test-ca');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it('is a CA: critical basicConstraints cA=true and keyUsage keyCertSign', () => {
    const cert = new x509.X509Certificate(root.certPem);
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    expect(bc?.ca).toBe(true);
    expect(bc?.critical).toBe(true);
    expect((ku?.usages ?? 0) & x509.KeyUsageFlags.keyCertSign).toBeTruthy();
    expect(new X509Certificate(root.certPem).ca).toBe(true);
  });

  it('uses ECDSA P-256 with SHA-256 and a PKCS#8 key', () => {
    const cert = new X509Certificate(root.certPem);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(new x509.X509Certificate(root.certPem).signatureAlgorithm).toMatchObject({
      name: 'ECDSA',
      hash: { name: 'SHA-256' },
    });
    expect(root.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('honours validityDays and backdates notBefore by a minute for clock skew', () => {
    const cert = new x509.X509Certificate(root.certPem);
    const now = Date.now();
    expect(cert.notBefore.getTime()).toBeLessThanOrEqual(now - 55_000);
    expect(cert.notBefore.getTime()).toBeGreaterThan(now - 5 * 60_000);
    const days = (cert.notAfter.getTime() - now) / 86_400_000;
    expect(days).toBeGreaterThan(9.99);
    expect(days).toBeLessThan(10.01);
  });

  it('defaults to a 20-year validity', async () => {
    const cert = new x509.X509Certificate((await createRootCA()).certPem);
    const years = (cert.notAfter.getTime() - cert.notBefore.getTime()) / (365 * 86_400_000);
    expect(Math.round(years)).toBe(20);
  });

  it('rejects a non-positive validity', async () => {
    await expect(createRootCA({ validityDays: 0 })).rejects.toSatisfy((e) =>
      isSwarmletError(e, 'INVALID_ARGUMENT'),
    );
  });
});

describe('caDigest', () => {
  it('is the sha256 of the certificate DER as 64 lowercase hex chars', () => {
    const der = new X509Certificate(root.certPem).raw;
    expect(caDigest(root.certPem)).toBe(createHash('sha256').update(der).digest('hex'));
    expect(caDigest(root.certPem)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs between two CAs', async () => {
    expect(caDigest((await createRootCA()).certPem)).not.toBe(caDigest(root.certPem));
  });

  it('throws INVALID_ARGUMENT for text that is not a certificate', () => {
    expect(() => caDigest('not a cert')).toThrow(/invalid CA certificate/);
  });
});
