import type { Node, Resources, Task } from '@swarmlet/api-types';
import { parseConstraint, satisfies } from './constraints.js';

/** What the scheduler knows of a node during one pass. */
export interface NodeInfo {
  node: Node;
  /** Active tasks (assigned..running, still wanted) on the node. */
  tasks: number;
  /** Active tasks per service, for spreading. */
  byService: Map<string, number>;
  /** Sum of reservations of active tasks. */
  reserved: Resources;
  /** Host-mode ports (`8080/tcp`) bound by active tasks on the node. */
  hostPorts: Set<string>;
  /** Host-mode ports a service's tasks bind (from its published ports). */
  portsOf: (serviceId: string) => readonly string[];
}

/**
 * One step of the filter pipeline (swarmkit's scheduler/filter.go). `explain` turns the number
 * of nodes this filter rejected into a phrase for the "no suitable node" message.
 */
export interface Filter {
  readonly name: string;
  appliesTo(task: Task): boolean;
  accepts(info: NodeInfo, task: Task): boolean;
  explain(nodes: number, task: Task): string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export const readyFilter: Filter = {
  name: 'ready',
  appliesTo: () => true,
  accepts: (info) => info.node.status.state === 'ready',
  explain: (n) => `${plural(n, 'node')} not ready`,
};

export const availabilityFilter: Filter = {
  name: 'availability',
  appliesTo: () => true,
  accepts: (info) => info.node.spec.availability === 'active',
  explain: (n) => `${plural(n, 'node')} not available for new tasks`,
};

/** `--reserve-memory`: the node's memory minus what its active tasks reserve. */
export const memoryFilter: Filter = {
  name: 'memory',
  appliesTo: (task) => task.spec.resources.reservations.memoryBytes > 0,
  accepts: (info, task) =>
    info.reserved.memoryBytes + task.spec.resources.reservations.memoryBytes <=
    info.node.description.resources.memoryBytes,
  explain: (n) => `${plural(n, 'node')} ${n === 1 ? 'lacks' : 'lack'} memory`,
};

/** `--reserve-cpu`: the node's CPUs minus what its active tasks reserve. */
export const cpuFilter: Filter = {
  name: 'cpu',
  appliesTo: (task) => task.spec.resources.reservations.nanoCpus > 0,
  accepts: (info, task) =>
    info.reserved.nanoCpus + task.spec.resources.reservations.nanoCpus <=
    info.node.description.resources.nanoCpus,
  explain: (n) => `${plural(n, 'node')} ${n === 1 ? 'lacks' : 'lack'} CPU`,
};

const constraintsOf = (task: Task): string[] => task.spec.placement?.constraints ?? [];

/** `--constraint`: every constraint must hold on the node. */
export const constraintFilter: Filter = {
  name: 'constraints',
  appliesTo: (task) => constraintsOf(task).length > 0,
  accepts: (info, task) =>
    constraintsOf(task).every((c) => satisfies(info.node, parseConstraint(c))),
  explain: (n, task) =>
    `${n} fail ${constraintsOf(task)
      .map((c) => parseConstraint(c).text)
      .join(' && ')}`,
};

/** `--replicas-max-per-node`: the node runs fewer tasks of the service than the cap. */
export const maxPerNodeFilter: Filter = {
  name: 'max-per-node',
  appliesTo: (task) => (task.spec.placement?.maxReplicasPerNode ?? 0) > 0,
  accepts: (info, task) =>
    (info.byService.get(task.serviceId) ?? 0) < (task.spec.placement?.maxReplicasPerNode ?? 0),
  explain: (n, task) =>
    `${plural(n, 'node')} already run ${task.spec.placement?.maxReplicasPerNode ?? 0} of its tasks (max per node)`,
};

/** Host-mode published ports: a node binds each port for one task only. */
export const hostPortFilter: Filter = {
  name: 'host-ports',
  appliesTo: () => true,
  accepts: (info, task) => info.portsOf(task.serviceId).every((p) => !info.hostPorts.has(p)),
  explain: (n) => `host port in use on ${plural(n, 'node')}`,
};

/** The pipeline, in order: cheap checks first; the first failing filter is blamed. */
export const DEFAULT_FILTERS: readonly Filter[] = [
  readyFilter,
  availabilityFilter,
  constraintFilter,
  maxPerNodeFilter,
  hostPortFilter,
  memoryFilter,
  cpuFilter,
];
