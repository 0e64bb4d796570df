import type { Info } from '@swarmlet/api-types';

/** Roles a join token admits. */
export type JoinRole = 'worker' | 'manager';

/**
 * Docker's join instructions: `To add a worker to this cluster, run the following command:`, a
 * blank line, the indented `swarmlet join` command, and a blank line.
 */
export function joinInstructions(role: JoinRole, token: string, addr: string): string {
  return (
    `To add a ${role} to this cluster, run the following command:\n\n` +
    `    swarmlet join --token ${token} ${addr}\n\n`
  );
}

/**
 * The address other nodes join through: the answering manager's cluster address, else the first
 * manager it knows, else a placeholder for the user to fill in.
 */
export function joinAddr(info: Info): string {
  return info.addr || info.managerAddrs?.[0] || 'MANAGER_ADDR:4242';
}

/** What `init` prints after creating a cluster (docker's `swarm init` text). */
export function initMessage(info: Info, workerToken: string): string {
  return (
    `Cluster initialized: current node (${info.nodeId}) is now a manager.\n\n` +
    joinInstructions('worker', workerToken, joinAddr(info)) +
    "To add a manager to this cluster, run 'swarmlet join-token manager' and follow the instructions.\n"
  );
}
