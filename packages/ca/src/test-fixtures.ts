/** Test helpers shared by this package's tests (not exported from the package). */
import { issueNodeCert } from './issue.js';
import { createNodeKey } from './node-key.js';
import type { RootCA } from './root-ca.js';
import type { NodeRole } from './roles.js';

/** A node's key and certificate, as a node holds them. */
export interface TestNode {
  nodeId: string;
  keyPem: string;
  certPem: string;
}

/** Creates a key for nodeId and has `ca` certify it (one hour of validity unless told). */
export async function certifiedNode(
  ca: RootCA,
  nodeId: string,
  role: NodeRole,
  opts: { clusterId?: string; validityMs?: number; now?: Date } = {},
): Promise<TestNode> {
  const { keyPem, csrPem } = await createNodeKey(nodeId);
  const certPem = await issueNodeCert(ca, {
    csrPem,
    nodeId,
    role,
    clusterId: opts.clusterId ?? 'cluster-1',
    validityMs: opts.validityMs ?? 60 * 60 * 1000,
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { nodeId, keyPem, certPem };
}
