import type { Node, Task } from '@swarmlet/api-types';
import { ago } from './age.js';
import { capitalize, ellipsis, formatTable, stripDigest, truncateId } from './table.js';

/** Options of the `service ps` table. */
export interface TaskTableOptions {
  noTrunc: boolean;
  now: Date;
}

/** Groups tasks by service and slot (node for global tasks), newest first within a slot. */
export function sortTasks(tasks: readonly Task[]): Task[] {
  const slotKey = (t: Task): string => (t.slot > 0 ? String(t.slot).padStart(8, '0') : t.nodeId);
  return [...tasks].sort(
    (a, b) =>
      a.serviceName.localeCompare(b.serviceName) ||
      slotKey(a).localeCompare(slotKey(b)) ||
      b.meta.createdAt.localeCompare(a.meta.createdAt) ||
      b.meta.version - a.meta.version,
  );
}

/** `web.1`, or `web.<node id>` for global tasks. */
export function taskName(t: Task): string {
  return `${t.serviceName}.${t.slot > 0 ? t.slot : t.nodeId}`;
}

/** `Starting`, or `Starting (health: starting)` while a task waits for its health check. */
function stateColumn(s: Task['status']): string {
  const detail = s.message.startsWith(`${s.state} (`) ? s.message.slice(s.state.length) : '';
  return `${capitalize(s.state)}${detail}`;
}

function errorColumn(err: string, noTrunc: boolean): string {
  if (err === '') return '';
  return noTrunc ? `"${err}"` : `"${ellipsis(err, 30)}"`;
}

/**
 * `service ps` table: `ID  NAME  IMAGE  NODE  DESIRED STATE  CURRENT STATE  ERROR`. Older tasks
 * of a slot follow its newest one with their name prefixed ` \_ `, as docker shows history.
 */
export function formatTaskTable(
  tasks: readonly Task[],
  nodes: readonly Node[],
  opts: TaskTableOptions,
): string {
  const hostnames = new Map(nodes.map((n) => [n.id, n.description.hostname]));
  let previous = '';
  const rows = sortTasks(tasks).map((t) => {
    const name = taskName(t);
    const shown = name === previous ? ` \\_ ${name}` : name;
    previous = name;
    return [
      opts.noTrunc ? t.id : truncateId(t.id),
      shown,
      opts.noTrunc ? t.spec.container.image : stripDigest(t.spec.container.image),
      hostnames.get(t.nodeId) ?? t.nodeId,
      capitalize(t.desiredState),
      `${stateColumn(t.status)} ${ago(t.status.timestamp, opts.now)}`,
      errorColumn(t.status.err, opts.noTrunc),
    ];
  });
  const header = ['ID', 'NAME', 'IMAGE', 'NODE', 'DESIRED STATE', 'CURRENT STATE', 'ERROR'];
  return formatTable(header, rows);
}
