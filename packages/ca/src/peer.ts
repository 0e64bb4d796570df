import type { TLSSocket } from 'node:tls';
import { identityOf, type NodeIdentity } from './identity.js';
import type { NodeRole } from './roles.js';
import { x509 } from './x509.js';

/** The identity a peer proved on a mutual-TLS connection. */
export interface PeerIdentity {
  nodeId: string;
  role: NodeRole;
  clusterId: string;
}

/**
 * Identity of the peer on a TLS socket: subject CN (node id), OU (role) and O (cluster id) of its
 * certificate. Undefined unless the socket is `authorized` (the chain verified against the `ca`
 * the server was given), the peer presented a certificate, and that certificate names a node.
 * Call it after 'secureConnection'; the server must be created with `requestCert: true`.
 */
export function peerIdentity(socket: TLSSocket): PeerIdentity | undefined {
  if (!socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  // An empty object (no `raw`) means the peer sent no certificate.
  if (!peer || !Buffer.isBuffer(peer.raw) || peer.raw.length === 0) return undefined;
  const identity = identityOfDer(peer.raw);
  return (
    identity && { nodeId: identity.nodeId, role: identity.role, clusterId: identity.clusterId }
  );
}

function identityOfDer(der: Buffer): NodeIdentity | undefined {
  try {
    return identityOf(new x509.X509Certificate(der));
  } catch {
    return undefined;
  }
}
