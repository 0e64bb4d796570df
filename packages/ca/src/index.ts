/**
 * @swarmlet/ca: the cluster PKI (swarmkit's manager/ca). A root CA, node keys and CSRs, node
 * certificates carrying identity (CN node id, OU role, O cluster id), mutual-TLS helpers, join
 * tokens, renewal timing and REST API bearer tokens. ECDSA P-256 with SHA-256 throughout.
 */
export { createRootCA, caDigest, type RootCA, type CreateRootCAOptions } from './root-ca.js';
export { createNodeKey, type NodeKey } from './node-key.js';
export { issueNodeCert, type IssueRequest } from './issue.js';
export { parseNodeCert, type NodeIdentity } from './identity.js';
export { verifyNodeCert } from './verify.js';
export { peerIdentity, type PeerIdentity } from './peer.js';
export { tlsMaterial, type TlsMaterial } from './tls-material.js';
export { ROLE_OU, type NodeRole } from './roles.js';
export {
  makeJoinToken,
  parseJoinToken,
  tokenMatchesCA,
  sameJoinToken,
  type ParsedJoinToken,
} from './join-token.js';
export { renewalTime, DEFAULT_CERT_VALIDITY_MS } from './renewal.js';
export { makeApiToken, parseApiToken, apiTokenMatches, type NewApiToken } from './api-token.js';
