import { SwarmletError } from '@swarmlet/api-types';
import { x509 } from './x509.js';

const CSR_PEM =
  /^\s*-----BEGIN CERTIFICATE REQUEST-----\r?\n[\s\S]+?\r?\n-----END CERTIFICATE REQUEST-----\s*$/;

/**
 * Parses and checks a CSR before anything is signed: PEM PKCS#10, an ECDSA P-256 key, a valid
 * self-signature (proof the requester holds the key) and subject CN exactly `nodeId`.
 * Throws INVALID_ARGUMENT otherwise; the CN check stops a node requesting another node's identity.
 */
export async function readCsr(
  csrPem: string,
  nodeId: string,
): Promise<x509.Pkcs10CertificateRequest> {
  const csr = parseCsr(csrPem);
  const alg = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (alg.name !== 'ECDSA' || alg.namedCurve !== 'P-256') {
    throw invalid('key must be ECDSA P-256');
  }
  if (!(await verifySignature(csr))) throw invalid('signature does not verify');
  const cns = csr.subjectName.getField('CN');
  if (cns.length !== 1 || cns[0] !== nodeId) {
    throw invalid(`subject CN must be the node id ${JSON.stringify(nodeId)}`);
  }
  return csr;
}

function parseCsr(csrPem: string): x509.Pkcs10CertificateRequest {
  if (!CSR_PEM.test(csrPem)) throw invalid('not a PEM certificate request');
  try {
    return new x509.Pkcs10CertificateRequest(csrPem);
  } catch (cause) {
    throw invalid('malformed PKCS#10', cause);
  }
}

async function verifySignature(csr: x509.Pkcs10CertificateRequest): Promise<boolean> {
  try {
    return await csr.verify();
  } catch {
    return false;
  }
}

function invalid(message: string, cause?: unknown): SwarmletError {
  return new SwarmletError('INVALID_ARGUMENT', `invalid CSR: ${message}`, { cause });
}
