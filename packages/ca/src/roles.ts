import { SwarmletError } from '@swarmlet/api-types';

/** What a node is allowed to do in the cluster; carried in its certificate's OU. */
export type NodeRole = 'manager' | 'worker';

/** The certificate OU (and SAN DNS name) for each role, as swarmkit's `swarm-manager`/`swarm-worker`. */
export const ROLE_OU = {
  manager: 'swarmlet-manager',
  worker: 'swarmlet-worker',
} as const satisfies Record<NodeRole, string>;

/** The role an OU names, or undefined when it is not a swarmlet role OU. */
export function roleFromOU(ou: string): NodeRole | undefined {
  if (ou === ROLE_OU.manager) return 'manager';
  if (ou === ROLE_OU.worker) return 'worker';
  return undefined;
}

/** True for 'manager' and 'worker' (guards values that arrive untyped). */
export function isNodeRole(value: unknown): value is NodeRole {
  return value === 'manager' || value === 'worker';
}

// A node id goes into a SAN DNS name, so it must be a DNS label (swarmkit ids are 25 base36 chars).
const NODE_ID = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Throws INVALID_ARGUMENT unless nodeId is a DNS label (1-63 letters, digits, inner hyphens). */
export function checkNodeId(nodeId: string): void {
  if (!NODE_ID.test(nodeId)) {
    throw new SwarmletError('INVALID_ARGUMENT', `invalid node id ${JSON.stringify(nodeId)}`);
  }
}

/** Throws INVALID_ARGUMENT unless clusterId fits an X.520 O attribute (1-64 printable chars). */
export function checkClusterId(clusterId: string): void {
  // eslint-disable-next-line no-control-regex
  if (clusterId.length === 0 || clusterId.length > 64 || /[\u0000-\u001f\u007f]/.test(clusterId)) {
    throw new SwarmletError('INVALID_ARGUMENT', `invalid cluster id ${JSON.stringify(clusterId)}`);
  }
}
