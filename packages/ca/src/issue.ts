import type { webcrypto } from 'node:crypto';
import { SwarmletError } from '@swarmlet/api-types';
import { parseCertificate, randomSerial, type ParsedCertificate } from './certificate.js';
import { readCsr } from './csr.js';
import { importSigningKey, normalizePem } from './keys.js';
import { CLOCK_SKEW_MS, type RootCA } from './root-ca.js';
import { ROLE_OU, checkClusterId, checkNodeId, isNodeRole, type NodeRole } from './roles.js';
import { SIGNING_ALGORITHM, x509 } from './x509.js';

/** What a manager's CA signs: a node's CSR plus the identity the cluster assigns to it. */
export interface IssueRequest {
  csrPem: string;
  nodeId: string;
  role: NodeRole;
  clusterId: string;
  /** Lifetime of the certificate from `now` (see DEFAULT_CERT_VALIDITY_MS). */
  validityMs: number;
  /** Issue time; defaults to the current time. */
  now?: Date;
}

/**
 * Verifies the CSR (self-signature, P-256 key, CN = nodeId) and issues a leaf certificate:
 * subject O=clusterId, OU=swarmlet-<role>, CN=nodeId; SAN DNS nodeId and swarmlet-<role>;
 * keyUsage digitalSignature; extKeyUsage serverAuth + clientAuth; notBefore = now - 1 min (clock
 * skew), notAfter = now + validityMs; random serial. The role and cluster come from the caller,
 * never from the CSR. Throws INVALID_ARGUMENT for a bad request, CSR or CA.
 */
export async function issueNodeCert(ca: RootCA, req: IssueRequest): Promise<string> {
  const now = checkRequest(req);
  const csr = await readCsr(req.csrPem, req.nodeId);
  const caCert = parseCertificate(ca.certPem, 'CA certificate');
  const signingKey = await loadCaKey(ca.keyPem, caCert);
  const ou = ROLE_OU[req.role];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    // The issuer is copied from the CA's DER so it matches the CA subject byte for byte.
    issuer: caCert.fields.subjectName,
    subject: [{ O: [req.clusterId] }, { OU: [ou] }, { CN: [req.nodeId] }],
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + req.validityMs),
    publicKey: csr.publicKey,
    signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: req.nodeId },
        { type: 'dns', value: ou },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.fields.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
    ],
  });
  return normalizePem(cert.toString('pem'));
}

/** Validates the request's plain fields and returns the issue time in ms. */
function checkRequest(req: IssueRequest): number {
  checkNodeId(req.nodeId);
  checkClusterId(req.clusterId);
  if (!isNodeRole(req.role)) {
    throw new SwarmletError('INVALID_ARGUMENT', `invalid role ${JSON.stringify(req.role)}`);
  }
  if (!Number.isFinite(req.validityMs) || req.validityMs <= 0) {
    throw new SwarmletError('INVALID_ARGUMENT', 'validityMs must be a positive number');
  }
  const now = (req.now ?? new Date()).getTime();
  if (Number.isNaN(now)) throw new SwarmletError('INVALID_ARGUMENT', 'now is an invalid date');
  return now;
}

/** Imports the CA key, refusing a key that is not the CA certificate's or a CA that is not a CA. */
async function loadCaKey(keyPem: string, caCert: ParsedCertificate): Promise<webcrypto.CryptoKey> {
  if (!caCert.native.ca) {
    throw new SwarmletError('INVALID_ARGUMENT', 'invalid CA certificate: not a CA (cA=false)');
  }
  const { key, spki } = await importSigningKey(keyPem);
  const certSpki = caCert.native.publicKey.export({ format: 'der', type: 'spki' });
  if (!spki.equals(certSpki)) {
    throw new SwarmletError('INVALID_ARGUMENT', 'invalid CA: key does not match the certificate');
  }
  return key;
}
