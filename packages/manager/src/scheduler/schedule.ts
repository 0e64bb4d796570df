import type { Node, Task } from '@swarmlet/api-types';
import { nodeValue } from './constraints.js';
import { DEFAULT_FILTERS, type Filter, type NodeInfo } from './filters.js';

export type Decision =
  { taskId: string; nodeId: string } | { taskId: string; nodeId: ''; message: string };

/**
 * Places pending tasks on nodes, pure (swarmkit's scheduler.go + pipeline.go). Each task runs
 * through the filter pipeline on every node; among the nodes that pass it goes to the one with
 * the fewest tasks of its service, then the fewest tasks overall (spread), then the lowest id.
 * Decisions update the node infos, so one pass spreads a batch of tasks evenly.
 * A task that fits nowhere gets a message counting which filter rejected how many nodes.
 * A task created for one node (global services: `nodeId` already set while PENDING) is only
 * checked against that node.
 */
export function scheduleTasks(
  pending: readonly Task[],
  nodes: readonly Node[],
  active: readonly Task[],
  filters: readonly Filter[] = DEFAULT_FILTERS,
  portsOf: (serviceId: string) => readonly string[] = () => [],
): Decision[] {
  const infos = buildNodeInfos(nodes, active, portsOf);
  const ordered = [...pending].sort(
    (a, b) => a.serviceId.localeCompare(b.serviceId) || a.slot - b.slot,
  );
  return ordered.map((task) => decide(task, infos, filters));
}

function decide(task: Task, infos: NodeInfo[], filters: readonly Filter[]): Decision {
  const rejected = new Map<Filter, number>();
  let best: NodeInfo | undefined;
  const group = spreadGroups(task, infos);
  const candidates = task.nodeId ? infos.filter((i) => i.node.id === task.nodeId) : infos;
  if (task.nodeId && candidates.length === 0)
    return { taskId: task.id, nodeId: '', message: `node ${task.nodeId} is not in the cluster` };
  for (const info of candidates) {
    const failed = filters.find((f) => f.appliesTo(task) && !f.accepts(info, task));
    if (failed) {
      rejected.set(failed, (rejected.get(failed) ?? 0) + 1);
      continue;
    }
    if (!best || better(info, best, task.serviceId, group)) best = info;
  }
  if (!best) {
    // Phrases follow the pipeline order, not the order in which nodes happened to fail.
    const ordered = new Map(
      filters.filter((f) => rejected.has(f)).map((f) => [f, rejected.get(f)!] as const),
    );
    return {
      taskId: task.id,
      nodeId: '',
      message: noSuitableNode(candidates.length, ordered, task),
    };
  }
  addTask(best, task);
  return { taskId: task.id, nodeId: best.node.id };
}

/**
 * `--placement-pref spread=KEY`: the number of the service's tasks in each node's group (nodes
 * with the same value of KEY; nodes without it form one group), so placement evens out groups
 * first, then nodes. Undefined without a preference.
 */
function spreadGroups(task: Task, infos: NodeInfo[]): ((n: NodeInfo) => number) | undefined {
  const pref = task.spec.placement?.preferences?.[0];
  if (!pref) return undefined;
  const key = pref.spread;
  const valueOf = (n: NodeInfo): string => nodeValue(n.node, key) ?? '';
  const counts = new Map<string, number>();
  for (const n of infos) {
    const v = valueOf(n);
    counts.set(v, (counts.get(v) ?? 0) + (n.byService.get(task.serviceId) ?? 0));
  }
  return (n) => counts.get(valueOf(n)) ?? 0;
}

function better(
  a: NodeInfo,
  b: NodeInfo,
  serviceId: string,
  group?: (n: NodeInfo) => number,
): boolean {
  if (group) {
    const ga = group(a);
    const gb = group(b);
    if (ga !== gb) return ga < gb;
  }
  const sa = a.byService.get(serviceId) ?? 0;
  const sb = b.byService.get(serviceId) ?? 0;
  if (sa !== sb) return sa < sb;
  if (a.tasks !== b.tasks) return a.tasks < b.tasks;
  return a.node.id < b.node.id;
}

export function noSuitableNode(total: number, rejected: Map<Filter, number>, task: Task): string {
  if (total === 0) return 'no suitable node (no nodes in the cluster)';
  const parts = [...rejected].map(([f, n]) => f.explain(n, task));
  return `no suitable node (${parts.join('; ')})`;
}

function buildNodeInfos(
  nodes: readonly Node[],
  active: readonly Task[],
  portsOf: (serviceId: string) => readonly string[],
): NodeInfo[] {
  const byId = new Map<string, NodeInfo>();
  for (const node of nodes) {
    byId.set(node.id, {
      node,
      tasks: 0,
      byService: new Map(),
      reserved: { nanoCpus: 0, memoryBytes: 0 },
      hostPorts: new Set(),
      portsOf,
    });
  }
  for (const t of active) {
    const info = byId.get(t.nodeId);
    if (info) addTask(info, t);
  }
  return [...byId.values()];
}

function addTask(info: NodeInfo, t: Task): void {
  for (const p of info.portsOf(t.serviceId)) info.hostPorts.add(p);
  info.tasks++;
  info.byService.set(t.serviceId, (info.byService.get(t.serviceId) ?? 0) + 1);
  info.reserved.nanoCpus += t.spec.resources.reservations.nanoCpus;
  info.reserved.memoryBytes += t.spec.resources.reservations.memoryBytes;
}
