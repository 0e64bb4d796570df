import { decodeConfChange } from '../core/confchange.js';
import type { RaftCore } from '../core/raft-core.js';
import type { Transport } from '../transport/transport.js';
import type { ConfState, Entry } from '../types.js';
import { unwrap } from './envelope.js';
import { decodeNodeSnapshot, encodeNodeSnapshot } from './snapshot-data.js';
import type { StateMachine } from './state-machine.js';
import { WaiterMap } from './waiters.js';

const dec = new TextDecoder();

/**
 * The apply side of a `RaftNode`: feeds committed entries to the state
 * machine exactly once (tracking `applied`), applies conf changes to the core
 * and the transport's peer list, keeps the address book, and settles the
 * waiters of this node's own proposals (matched by envelope tag and seq).
 */
export class Applier<R> {
  /** Index of the last entry reflected in the state machine. */
  applied = 0;
  /** Waiters of this node's normal proposals, by seq. */
  readonly pending = new WaiterMap<R>();
  /** Waiters of this node's conf changes, by seq. */
  readonly pendingConf = new WaiterMap<ConfState>();

  constructor(
    private readonly selfId: string,
    private readonly tag: string,
    private readonly sm: StateMachine<R>,
    private readonly transport: Transport,
    /** Peer id → transport address; extended by conf changes and snapshots. */
    readonly addrs: Map<string, string>,
  ) {}

  /** Replaces the state with a snapshot's (address book + state-machine bytes) at `index`. */
  restoreSnapshot(data: Uint8Array, index: number): void {
    const book = decodeNodeSnapshot(data);
    for (const [id, addr] of book.addrs) this.learnPeer(id, addr);
    this.sm.restore(book.state);
    this.applied = index;
  }

  /** Snapshot data of the current state: address book + `sm.snapshot()`. */
  snapshotData(): Uint8Array {
    return encodeNodeSnapshot({ addrs: this.addrs, state: this.sm.snapshot() });
  }

  /**
   * Applies one committed entry. Normal entries at or below `applied` were
   * already applied (before a restart) and are skipped; conf changes always
   * reach the core, which rebuilt its membership from the snapshot only.
   */
  apply(core: RaftCore, e: Entry): void {
    if (e.type === 'conf-change') {
      this.applyConfChange(core, e);
    } else if (e.index > this.applied && e.data.byteLength > 0) {
      const env = unwrap(e.data);
      const result = this.sm.apply({ ...e, data: env.payload });
      if (env.tag === this.tag) this.pending.resolve(env.seq, result);
    }
    if (e.index > this.applied) this.applied = e.index;
  }

  /** Records a peer's address and connects to it (never to this node itself). */
  learnPeer(id: string, addr: string): void {
    this.addrs.set(id, addr);
    if (id !== this.selfId) this.transport.addPeer(id, addr);
  }

  private applyConfChange(core: RaftCore, e: Entry): void {
    const cc = decodeConfChange(e.data);
    const cs = core.applyConfChange(cc);
    const env = cc.context === undefined ? undefined : unwrap(cc.context);
    if (cc.type === 'remove-node') {
      this.addrs.delete(cc.nodeId);
      if (cc.nodeId !== this.selfId) this.transport.removePeer(cc.nodeId);
    } else if (env !== undefined && env.payload.byteLength > 0) {
      this.learnPeer(cc.nodeId, dec.decode(env.payload));
    }
    if (env !== undefined && env.tag === this.tag) this.pendingConf.resolve(env.seq, cs);
  }
}
