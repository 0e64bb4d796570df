import { SwarmletError } from '@swarmlet/api-types';
import type { ObjectByKind, ObjectKind, StoreAction } from './kinds.js';
import { newId } from './ids.js';

/** Read access to one consistent version of the store. Objects returned must not be mutated. */
export interface ReadTx {
  get<K extends ObjectKind>(kind: K, id: string): ObjectByKind[K] | undefined;
  /** All objects of a kind, optionally filtered. */
  find<K extends ObjectKind>(kind: K, pred?: (obj: ObjectByKind[K]) => boolean): ObjectByKind[K][];
  /** Tasks of one service (indexed). */
  tasksOfService(serviceId: string): ObjectByKind['task'][];
  /** Tasks assigned to one node (indexed). */
  tasksOfNode(nodeId: string): ObjectByKind['task'][];
}

type NewObject<K extends ObjectKind> = Omit<ObjectByKind[K], 'id' | 'meta'> & { id?: string };

/** A write transaction: reads see the transaction's own writes. */
export interface WriteTx extends ReadTx {
  /** Creates an object; assigns an id if none is given. Fails with ALREADY_EXISTS. */
  create<K extends ObjectKind>(kind: K, obj: NewObject<K>): ObjectByKind[K];
  /**
   * Replaces an object. `obj.meta.version` must equal the stored version (optimistic
   * concurrency): a writer that read an older version gets CONFLICT and must re-read.
   */
  update<K extends ObjectKind>(kind: K, obj: ObjectByKind[K]): ObjectByKind[K];
  /** Deletes an object; fails with NOT_FOUND if it does not exist. */
  delete(kind: ObjectKind, id: string): void;
}

/** What a transaction sees beneath its own writes. */
export interface TxBase extends ReadTx {
  readonly version: number;
}

const DELETED = Symbol('deleted');
type Slot = ObjectByKind[ObjectKind] | typeof DELETED;

/**
 * A copy-on-write transaction over a base view. Changes are kept in an overlay and turned into
 * actions by `actions()`; nothing touches the base until the store applies them.
 */
export class OverlayTx implements WriteTx {
  private readonly overlay = new Map<string, Slot>();
  private readonly order: { kind: ObjectKind; id: string; op: StoreAction['op'] }[] = [];

  constructor(
    private readonly base: TxBase,
    private readonly nextVersion: number,
    private readonly now: string,
  ) {}

  get<K extends ObjectKind>(kind: K, id: string): ObjectByKind[K] | undefined {
    const slot = this.overlay.get(`${kind}/${id}`);
    if (slot === DELETED) return undefined;
    return (slot as ObjectByKind[K] | undefined) ?? this.base.get(kind, id);
  }

  find<K extends ObjectKind>(kind: K, pred?: (obj: ObjectByKind[K]) => boolean): ObjectByKind[K][] {
    return this.merge(kind, this.base.find(kind), pred);
  }

  tasksOfService(serviceId: string): ObjectByKind['task'][] {
    return this.merge(
      'task',
      this.base.tasksOfService(serviceId),
      (t) => t.serviceId === serviceId,
    );
  }

  tasksOfNode(nodeId: string): ObjectByKind['task'][] {
    return this.merge('task', this.base.tasksOfNode(nodeId), (t) => t.nodeId === nodeId);
  }

  create<K extends ObjectKind>(kind: K, obj: NewObject<K>): ObjectByKind[K] {
    const id = obj.id ?? newId();
    if (this.get(kind, id))
      throw new SwarmletError('ALREADY_EXISTS', `${kind} ${id} already exists`);
    const meta = { version: this.nextVersion, createdAt: this.now, updatedAt: this.now };
    const stored = structuredClone({ ...obj, id, meta }) as unknown as ObjectByKind[K];
    this.record(kind, id, 'create', stored);
    return stored;
  }

  update<K extends ObjectKind>(kind: K, obj: ObjectByKind[K]): ObjectByKind[K] {
    const current = this.get(kind, obj.id);
    if (!current) throw new SwarmletError('NOT_FOUND', `${kind} ${obj.id} not found`);
    if (current.meta.version !== obj.meta.version) {
      throw new SwarmletError(
        'CONFLICT',
        `${kind} ${obj.id} changed since it was read (version ${obj.meta.version}, now ${current.meta.version})`,
      );
    }
    const meta = { ...current.meta, version: this.nextVersion, updatedAt: this.now };
    const stored = structuredClone({ ...obj, meta }) as ObjectByKind[K];
    this.record(kind, obj.id, 'update', stored);
    return stored;
  }

  delete(kind: ObjectKind, id: string): void {
    if (!this.get(kind, id)) throw new SwarmletError('NOT_FOUND', `${kind} ${id} not found`);
    this.record(kind, id, 'delete', DELETED);
  }

  /** The changes as store actions, one per touched object (last write wins, creates kept). */
  actions(): StoreAction[] {
    const out: StoreAction[] = [];
    const seen = new Set<string>();
    for (let i = this.order.length - 1; i >= 0; i--) {
      const { kind, id } = this.order[i]!;
      const key = `${kind}/${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const slot = this.overlay.get(key)!;
      const existedBefore = this.base.get(kind, id) !== undefined;
      if (slot === DELETED) {
        const old = this.base.get(kind, id);
        if (old) out.push({ kind, op: 'delete', object: old } as StoreAction);
      } else {
        out.push({ kind, op: existedBefore ? 'update' : 'create', object: slot } as StoreAction);
      }
    }
    return out.reverse();
  }

  /** Version this transaction's writes will carry. */
  get version(): number {
    return this.nextVersion;
  }

  /** Takes over the writes of a child transaction built on top of this one (batch sub-updates). */
  absorb(child: OverlayTx): void {
    for (const { kind, id, op } of child.order) {
      this.record(kind, id, op, child.overlay.get(`${kind}/${id}`)!);
    }
  }

  private record(kind: ObjectKind, id: string, op: StoreAction['op'], slot: Slot): void {
    this.overlay.set(`${kind}/${id}`, slot);
    this.order.push({ kind, id, op });
  }

  private merge<K extends ObjectKind>(
    kind: K,
    fromBase: ObjectByKind[K][],
    pred?: (obj: ObjectByKind[K]) => boolean,
  ): ObjectByKind[K][] {
    const out: ObjectByKind[K][] = [];
    for (const obj of fromBase) {
      if (this.overlay.has(`${kind}/${obj.id}`)) continue;
      if (!pred || pred(obj)) out.push(obj);
    }
    for (const [key, slot] of this.overlay) {
      if (slot === DELETED || !key.startsWith(`${kind}/`)) continue;
      const obj = slot as ObjectByKind[K];
      if (!pred || pred(obj)) out.push(obj);
    }
    return out;
  }
}
