import type { Info, Node } from '@swarmlet/api-types';
import { formatBytes } from '../parse/bytes.js';
import { humanDuration } from './age.js';
import { kv } from './pretty.js';
import { capitalize, formatTable } from './table.js';

/** `Leader`, `Reachable`, `Unreachable` for managers; empty for workers (docker's MANAGER STATUS). */
export function managerStatus(n: Node): string {
  if (!n.managerStatus) return '';
  return n.managerStatus.leader ? 'Leader' : capitalize(n.managerStatus.reachability);
}

/**
 * `node ls` table: `ID  HOSTNAME  STATUS  AVAILABILITY  MANAGER STATUS  ENGINE VERSION`, full
 * ids, `*` after the node the CLI is talking to, sorted by hostname.
 */
export function formatNodeTable(nodes: readonly Node[], selfId: string): string {
  const sorted = [...nodes].sort((a, b) =>
    a.description.hostname.localeCompare(b.description.hostname),
  );
  const rows = sorted.map((n) => [
    n.id === selfId ? `${n.id} *` : n.id,
    n.description.hostname,
    capitalize(n.status.state),
    capitalize(n.spec.availability),
    managerStatus(n),
    n.description.engine.version,
  ]);
  const header = ['ID', 'HOSTNAME', 'STATUS', 'AVAILABILITY', 'MANAGER STATUS', 'ENGINE VERSION'];
  return formatTable(header, rows);
}

/** `swarmlet info` text, laid out like the Swarm section of `docker info`. */
export function formatInfo(info: Info, target: string, now: Date): string {
  const lines = [
    'Server:',
    ` Daemon: ${target}`,
    ` Version: ${info.version}`,
    ` Swarm: ${info.state}`,
  ];
  if (info.state === 'active') lines.push(...clusterLines(info, now));
  lines.push(
    ` Engine Version: ${info.engine.version} (API ${info.engine.apiVersion})`,
    ` Swarmlet Root Dir: ${info.dataDir}`,
  );
  return `${lines.join('\n')}\n`;
}

/** The indented lines under `Swarm: active`; fields an older daemon omits are left out. */
function clusterLines(info: Info, now: Date): string[] {
  const lines = [`  NodeID: ${info.nodeId}`, `  Is Manager: ${info.role === 'manager'}`];
  if (info.isLeader !== undefined) lines.push(`  Is Leader: ${info.isLeader}`);
  if (info.leader !== undefined) lines.push(`  Leader: ${info.leader || '(none: election)'}`);
  lines.push(
    `  ClusterID: ${info.clusterId}`,
    `  Managers: ${info.managers}`,
    `  Nodes: ${info.nodes}`,
    `  Services: ${info.services}`,
    `  Tasks: ${info.tasks.running} running / ${info.tasks.total} total`,
  );
  if (info.addr) lines.push(`  Node Address: ${info.addr}`);
  if (info.managerAddrs?.length) {
    lines.push('  Manager Addresses:', ...info.managerAddrs.map((a) => `   ${a}`));
  }
  if (info.certExpiresAt) {
    lines.push(
      `  Certificate Expires: ${info.certExpiresAt} (${untilExpiry(info.certExpiresAt, now)})`,
    );
  }
  return lines;
}

function untilExpiry(at: string, now: Date): string {
  const ms = Date.parse(at) - now.getTime();
  return ms <= 0 ? 'expired' : `in ${humanDuration(ms).toLowerCase()}`;
}

/** `node inspect --pretty`, after docker's layout. */
export function formatNodePretty(n: Node): string {
  const d = n.description;
  const w = 22;
  const lines = [
    kv('ID', n.id, w),
    kv('Hostname', d.hostname, w),
    kv('Joined at', n.meta.createdAt, w),
  ];
  lines.push('Status:', kv(' State', capitalize(n.status.state), w));
  lines.push(
    kv(' Availability', capitalize(n.spec.availability), w),
    kv(' Address', n.status.addr, w),
  );
  if (n.managerStatus) {
    lines.push('Manager Status:', kv(' Address', n.managerStatus.addr, w));
    lines.push(kv(' Raft Status', capitalize(n.managerStatus.reachability), w));
    lines.push(kv(' Leader', n.managerStatus.leader ? 'Yes' : 'No', w));
  }
  lines.push(
    'Platform:',
    kv(' Operating System', d.platform.os, w),
    kv(' Architecture', d.platform.arch, w),
  );
  lines.push('Resources:', kv(' CPUs', d.resources.nanoCpus / 1e9, w));
  lines.push(kv(' Memory', formatBytes(d.resources.memoryBytes), w));
  lines.push(kv('Engine Version', d.engine.version, w));
  return `${lines.join('\n')}\n`;
}
