import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { identityOf } from './identity.js';

/**
 * True when certPem is a swarmlet node certificate (see parseNodeCert) issued and signed by the CA
 * in caPem (node:crypto `checkIssued` and `verify(publicKey)`), caPem is a CA, and `now` lies
 * within the certificate's validity. Never throws: malformed input is simply not valid.
 */
export function verifyNodeCert(certPem: string, caPem: string, now: Date = new Date()): boolean {
  let cert: ParsedCertificate;
  let ca: ParsedCertificate;
  try {
    cert = parseCertificate(certPem, 'node certificate');
    ca = parseCertificate(caPem, 'CA certificate');
  } catch {
    return false;
  }
  const identity = identityOf(cert.fields);
  if (!identity || cert.native.ca || !ca.native.ca) return false;
  if (!cert.native.checkIssued(ca.native) || !cert.native.verify(ca.native.publicKey)) return false;
  const t = now.getTime();
  return t >= identity.notBefore.getTime() && t <= identity.notAfter.getTime();
}
