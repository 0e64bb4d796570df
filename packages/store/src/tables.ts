import type { ObjectByKind, ObjectKind, StoreAction, StoreSnapshot } from './kinds.js';
import { OBJECT_KINDS } from './kinds.js';
import type { TxBase } from './tx.js';

type Task = ObjectByKind['task'];

/**
 * The committed state: one map per kind plus secondary indexes of tasks by service and node.
 * Only `apply` mutates it, one committed proposal at a time.
 */
export class Tables implements TxBase {
  version = 0;
  private readonly byKind = new Map<ObjectKind, Map<string, ObjectByKind[ObjectKind]>>(
    OBJECT_KINDS.map((k) => [k, new Map()]),
  );
  private readonly byService = new Map<string, Map<string, Task>>();
  private readonly byNode = new Map<string, Map<string, Task>>();

  get<K extends ObjectKind>(kind: K, id: string): ObjectByKind[K] | undefined {
    return this.table(kind).get(id) as ObjectByKind[K] | undefined;
  }

  find<K extends ObjectKind>(kind: K, pred?: (obj: ObjectByKind[K]) => boolean): ObjectByKind[K][] {
    const all = [...this.table(kind).values()] as ObjectByKind[K][];
    return pred ? all.filter(pred) : all;
  }

  tasksOfService(serviceId: string): Task[] {
    return [...(this.byService.get(serviceId)?.values() ?? [])];
  }

  tasksOfNode(nodeId: string): Task[] {
    return [...(this.byNode.get(nodeId)?.values() ?? [])];
  }

  count(kind: ObjectKind): number {
    return this.table(kind).size;
  }

  /** Applies committed actions and returns the objects they replaced (for watch events). */
  apply(
    version: number,
    actions: readonly StoreAction[],
  ): (ObjectByKind[ObjectKind] | undefined)[] {
    const olds = actions.map((a) => this.applyOne(a));
    this.version = version;
    return olds;
  }

  snapshot(): StoreSnapshot {
    const objects: StoreSnapshot['objects'] = {};
    for (const kind of OBJECT_KINDS) {
      (objects as Record<string, unknown[]>)[kind] = [...this.table(kind).values()];
    }
    return { version: this.version, objects };
  }

  restore(snap: StoreSnapshot): void {
    for (const kind of OBJECT_KINDS) this.table(kind).clear();
    this.byService.clear();
    this.byNode.clear();
    const actions: StoreAction[] = [];
    for (const kind of OBJECT_KINDS) {
      for (const object of snap.objects[kind] ?? []) {
        actions.push({ kind, op: 'create', object } as StoreAction);
      }
    }
    this.apply(snap.version, actions);
  }

  private applyOne(action: StoreAction): ObjectByKind[ObjectKind] | undefined {
    const table = this.table(action.kind);
    const old = table.get(action.object.id);
    if (action.kind === 'task') this.unindex(old as Task | undefined);
    if (action.op === 'delete') {
      table.delete(action.object.id);
    } else {
      table.set(action.object.id, action.object);
      if (action.kind === 'task') this.index(action.object);
    }
    return old;
  }

  private index(task: Task): void {
    addTo(this.byService, task.serviceId, task);
    if (task.nodeId) addTo(this.byNode, task.nodeId, task);
  }

  private unindex(task: Task | undefined): void {
    if (!task) return;
    removeFrom(this.byService, task.serviceId, task.id);
    if (task.nodeId) removeFrom(this.byNode, task.nodeId, task.id);
  }

  private table(kind: ObjectKind): Map<string, ObjectByKind[ObjectKind]> {
    return this.byKind.get(kind)!;
  }
}

function addTo(index: Map<string, Map<string, Task>>, key: string, task: Task): void {
  let m = index.get(key);
  if (!m) index.set(key, (m = new Map()));
  m.set(task.id, task);
}

function removeFrom(index: Map<string, Map<string, Task>>, key: string, id: string): void {
  const m = index.get(key);
  if (!m) return;
  m.delete(id);
  if (m.size === 0) index.delete(key);
}
