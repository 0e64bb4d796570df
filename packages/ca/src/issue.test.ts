import { isSwarmletError } from '@swarmlet/api-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNodeCert } from './identity.js';
import { issueNodeCert } from './issue.js';
import { createNodeKey } from './node-key.js';
import { createRootCA, type RootCA } from './root-ca.js';
import { certifiedNode } from './test-fixtures.js';
import { verifyNodeCert } from './verify.js';
import { x509 } from './x509.js';

let ca: RootCA;
let otherCa: RootCA;
beforeAll(async () => {
  [ca, otherCa] = await Promise.all([createRootCA(), createRootCA()]);
});

const invalidArgument = (pattern: RegExp) => (e: unknown) =>
  isSwarmletError(e, 'INVALID_ARGUMENT') && pattern.test(e.message);

describe('issueNodeCert', () => {
  it('issues a certificate that verifies against its CA and not against another CA', async () => {
    const node = await certifiedNode(ca, 'node-a', 'worker');
    expect(verifyNodeCert(node.certPem, ca.certPem)).toBe(true);
    expect(verifyNodeCert(node.certPem, otherCa.certPem)).toBe(false);
  });

  it('round-trips the identity: nodeId, role and clusterId', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const mgr = await certifiedNode(ca, 'mgr1', 'manager', { clusterId: 'c-42', now });
    const wrk = await certifiedNode(ca, 'wrk1', 'worker', { clusterId: 'c-42', now });
    expect(parseNodeCert(mgr.certPem)).toEqual({
      nodeId: 'mgr1',
      role: 'manager',
      clusterId: 'c-42',
      notBefore: new Date('2029-12-31T23:59:00Z'),
      notAfter: new Date('2030-01-01T01:00:00Z'),
    });
    expect(parseNodeCert(wrk.certPem)).toMatchObject({ nodeId: 'wrk1', role: 'worker' });
  });

  it('sets SAN, key usage and extended key usage for mutual TLS', async () => {
    const cert = new x509.X509Certificate((await certifiedNode(ca, 'n1', 'manager')).certPem);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.names.items.map((n) => n.toJSON())).toEqual([
      { type: 'dns', value: 'n1' },
      { type: 'dns', value: 'swarmlet-manager' },
    ]);
    expect(cert.getExtension(x509.KeyUsagesExtension)?.usages).toBe(
      x509.KeyUsageFlags.digitalSignature,
    );
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
  });

  it('uses a fresh random serial for each certificate', async () => {
    const a = new x509.X509Certificate((await certifiedNode(ca, 'n1', 'worker')).certPem);
    const b = new x509.X509Certificate((await certifiedNode(ca, 'n1', 'worker')).certPem);
    expect(a.serialNumber).toMatch(/^[0-9a-f]{32}$/);
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });

  it('refuses a CSR whose CN is another node id', async () => {
    const { csrPem } = await createNodeKey('node-b');
    const req = { csrPem, nodeId: 'node-a', role: 'worker', clusterId: 'c', validityMs: 1000 };
    await expect(issueNodeCert(ca, { ...req, role: 'worker' })).rejects.toSatisfy(
      invalidArgument(/CN must be the node id "node-a"/),
    );
  });

  it('refuses a CSR whose signature is broken', async () => {
    const { csrPem } = await createNodeKey('node-a');
    const der = Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).rawData);
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0x01; // inside the ECDSA signature's s
    const broken = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
    const req = { nodeId: 'node-a', role: 'worker', clusterId: 'c', validityMs: 1000 } as const;
    await expect(issueNodeCert(ca, { ...req, csrPem: broken })).rejects.toSatisfy(
      invalidArgument(/signature does not verify/),
    );
    await expect(issueNodeCert(ca, { ...req, csrPem: 'garbage' })).rejects.toSatisfy(
      invalidArgument(/invalid CSR/),
    );
  });

  it('honours expiry: 1 s of validity issued an hour ago no longer verifies', async () => {
    const past = new Date(Date.now() - 60 * 60 * 1000);
    const node = await certifiedNode(ca, 'n1', 'worker', { validityMs: 1000, now: past });
    expect(verifyNodeCert(node.certPem, ca.certPem)).toBe(false);
    expect(verifyNodeCert(node.certPem, ca.certPem, past)).toBe(true);
    expect(verifyNodeCert(node.certPem, ca.certPem, new Date(past.getTime() + 2000))).toBe(false);
  });

  it('refuses a CA key that does not belong to the CA certificate', async () => {
    const { csrPem } = await createNodeKey('n1');
    const mixed = { certPem: ca.certPem, keyPem: otherCa.keyPem };
    const req = { csrPem, nodeId: 'n1', role: 'worker', clusterId: 'c', validityMs: 1000 } as const;
    await expect(issueNodeCert(mixed, req)).rejects.toSatisfy(
      invalidArgument(/key does not match/),
    );
  });

  it('refuses bad request fields', async () => {
    const { csrPem } = await createNodeKey('n1');
    const req = { csrPem, nodeId: 'n1', role: 'worker', clusterId: 'c', validityMs: 1000 } as const;
    const bad = [
      { validityMs: 0 },
      { validityMs: Number.NaN },
      { clusterId: '' },
      { nodeId: 'not a dns label' },
      { role: 'admin' as 'worker' },
      { now: new Date('nope') },
    ];
    for (const patch of bad) {
      await expect(issueNodeCert(ca, { ...req, ...patch })).rejects.toSatisfy(invalidArgument(/./));
    }
  });
});

describe('verifyNodeCert', () => {
  it('is false for malformed input and for the CA certificate itself', () => {
    expect(verifyNodeCert('junk', ca.certPem)).toBe(false);
    expect(verifyNodeCert(ca.certPem, 'junk')).toBe(false);
    expect(verifyNodeCert(ca.certPem, ca.certPem)).toBe(false);
  });
});
