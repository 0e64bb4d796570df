import {
  SwarmletError,
  notFound,
  type Network,
  type Node,
  type Service,
  type Task,
} from '@swarmlet/api-types';
import type { ReadTx } from '@swarmlet/store';

/** Finds by exact id, then exact name, then unique id prefix (Docker's lookup order). */
function resolve<T extends { id: string }>(
  kind: string,
  all: T[],
  ref: string,
  name: (o: T) => string,
): T {
  const byId = all.find((o) => o.id === ref);
  if (byId) return byId;
  const byName = all.filter((o) => name(o) === ref);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1)
    throw new SwarmletError('INVALID_ARGUMENT', `${kind} reference "${ref}" is ambiguous`);
  const byPrefix = ref.length > 0 ? all.filter((o) => o.id.startsWith(ref)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) {
    throw new SwarmletError('INVALID_ARGUMENT', `${kind} reference "${ref}" is ambiguous`);
  }
  throw notFound(kind, ref);
}

export function resolveService(tx: ReadTx, ref: string): Service {
  return resolve('service', tx.find('service'), ref, (s) => s.spec.name);
}

export function resolveNode(tx: ReadTx, ref: string): Node {
  return resolve('node', tx.find('node'), ref, (n) => n.description.hostname);
}

export function resolveTask(tx: ReadTx, ref: string): Task {
  return resolve('task', tx.find('task'), ref, (t) => `${t.serviceName}.${t.slot}`);
}

export function resolveNetwork(tx: ReadTx, ref: string): Network {
  return resolve('network', tx.find('network'), ref, (n) => n.spec.name);
}
