import type { Network } from '@swarmlet/api-types';
import { formatTable, truncateId } from './table.js';

/** `network ls`: docker's columns plus the allocated subnet. */
export function formatNetworkTable(networks: readonly Network[]): string {
  const rows = [...networks]
    .sort((a, b) => a.spec.name.localeCompare(b.spec.name))
    .map((n) => [
      truncateId(n.id),
      n.spec.name,
      n.spec.driver,
      'swarm',
      n.ipam?.subnet ?? 'pending',
    ]);
  return formatTable(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE', 'SUBNET'], rows);
}
