import type { Cluster, Config, Network, Node, Secret, Service, Task } from '@swarmlet/api-types';

/** Every table of the store and the object type it holds. */
export interface ObjectByKind {
  cluster: Cluster;
  node: Node;
  service: Service;
  task: Task;
  network: Network;
  secret: Secret;
  config: Config;
}

export type ObjectKind = keyof ObjectByKind;
export type StoredObject = ObjectByKind[ObjectKind];

export const OBJECT_KINDS: readonly ObjectKind[] = [
  'cluster',
  'node',
  'service',
  'task',
  'network',
  'secret',
  'config',
];

/** One change inside a committed transaction. `object` is the whole object after the change. */
export type StoreAction = {
  [K in ObjectKind]: { kind: K; op: 'create' | 'update' | 'delete'; object: ObjectByKind[K] };
}[ObjectKind];

/** A committed transaction: the unit the `Proposer` makes durable and replicates. */
export interface Proposal {
  /** Store version after this proposal; versions increase by one per proposal. */
  version: number;
  actions: StoreAction[];
}

/** Every object of every table at one version. */
export interface StoreSnapshot {
  version: number;
  objects: { [K in ObjectKind]?: ObjectByKind[K][] };
}
