import { isSwarmletError } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { parseNodeCert } from './identity.js';
import { generateKeyPair } from './keys.js';
import { createRootCA } from './root-ca.js';
import { SIGNING_ALGORITHM, x509 } from './x509.js';

/** A self-signed certificate with an arbitrary subject, to probe the subject rules. */
async function certWithSubject(subject: x509.JsonName): Promise<string> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
  });
  return cert.toString('pem');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('parseNodeCert', () => {
  it('reads CN, OU and O from a well-formed subject', async () => {
    const pem = await certWithSubject([{ O: ['c1'] }, { OU: ['swarmlet-worker'] }, { CN: ['n1'] }]);
    expect(parseNodeCert(pem)).toMatchObject({ nodeId: 'n1', role: 'worker', clusterId: 'c1' });
  });

  it('rejects a certificate that is not a swarmlet node certificate', async () => {
    const subjects: x509.JsonName[] = [
      [{ O: ['c1'] }, { OU: ['admins'] }, { CN: ['n1'] }],
      [{ O: ['c1'] }, { CN: ['n1'] }],
      [{ O: ['c1'] }, { OU: ['swarmlet-manager'] }, { CN: ['n1'] }, { CN: ['n2'] }],
    ];
    for (const subject of subjects) {
      const pem = await certWithSubject(subject);
      const err = thrown(() => parseNodeCert(pem));
      expect(isSwarmletError(err, 'INVALID_ARGUMENT')).toBe(true);
      expect((err as Error).message).toMatch(/not a swarmlet node/);
    }
    const ca = await createRootCA();
    expect(() => parseNodeCert(ca.certPem)).toThrow(/not a swarmlet node/);
  });

  it('rejects text that is not a PEM certificate', () => {
    expect(() =>
      parseNodeCert('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    ).toThrow(/invalid node certificate/);
  });
});
