import { exportPrivateKeyPem, generateKeyPair, normalizePem } from './keys.js';
import { checkNodeId } from './roles.js';
import { SIGNING_ALGORITHM, x509 } from './x509.js';

/** A node's private key (PKCS#8 PEM) and the PKCS#10 CSR it sends to a manager to be certified. */
export interface NodeKey {
  keyPem: string;
  csrPem: string;
}

/**
 * New P-256 key and a PKCS#10 CSR (subject CN = nodeId), signed with that key. The key never leaves
 * the node; only the CSR is sent. Throws INVALID_ARGUMENT when nodeId is not a DNS label.
 */
export async function createNodeKey(nodeId: string): Promise<NodeKey> {
  checkNodeId(nodeId);
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [nodeId] }],
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
  });
  return {
    keyPem: await exportPrivateKeyPem(keys.privateKey),
    csrPem: normalizePem(csr.toString('pem')),
  };
}
