import { SwarmletError } from '@swarmlet/api-types';
import { parseCertificate } from './certificate.js';
import { roleFromOU, type NodeRole } from './roles.js';
import type { x509 } from './x509.js';

/** Who a node certificate says its holder is, and when the certificate is valid. */
export interface NodeIdentity {
  nodeId: string;
  role: NodeRole;
  clusterId: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Parses a node certificate's identity: subject CN (node id), OU (role) and O (cluster id), each
 * exactly once. Does not check the signature or dates (see verifyNodeCert). Throws
 * INVALID_ARGUMENT for a malformed PEM or a certificate that is not a swarmlet node certificate.
 */
export function parseNodeCert(certPem: string): NodeIdentity {
  const { fields } = parseCertificate(certPem, 'node certificate');
  const identity = identityOf(fields);
  if (!identity) {
    throw new SwarmletError('INVALID_ARGUMENT', 'invalid node certificate: not a swarmlet node');
  }
  return identity;
}

/** The identity of a parsed certificate, or undefined when its subject is not a node's. */
export function identityOf(cert: x509.X509Certificate): NodeIdentity | undefined {
  const name = cert.subjectName;
  const nodeId = single(name.getField('CN'));
  const ou = single(name.getField('OU'));
  const clusterId = single(name.getField('O'));
  const role = ou === undefined ? undefined : roleFromOU(ou);
  if (nodeId === undefined || role === undefined || clusterId === undefined) return undefined;
  return { nodeId, role, clusterId, notBefore: cert.notBefore, notAfter: cert.notAfter };
}

function single(values: string[]): string | undefined {
  return values.length === 1 && values[0] !== '' ? values[0] : undefined;
}
