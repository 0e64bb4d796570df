import type { Message } from '../types.js';

interface ReadRequest {
  index: number;
  req: Message;
  acks: Set<string>;
}

/** Hex key of a request context, for map lookups. */
export function ctxKey(ctx: Uint8Array | undefined): string {
  if (ctx === undefined) return '';
  let s = '';
  for (const b of ctx) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Pending ReadIndex requests on a leader (etcd's readOnly, safe mode). A
 * request is released once a quorum acknowledged a heartbeat carrying its
 * context; releasing one releases every earlier request too.
 */
export class ReadOnly {
  private pending = new Map<string, ReadRequest>();
  private queue: string[] = [];

  /** Registers a request to be served at `index` (the leader's commit index). */
  add(index: number, req: Message): void {
    const key = ctxKey(req.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { index, req, acks: new Set() });
    this.queue.push(key);
  }

  /** Records an ack for `ctx` from `from`; returns the ack count (0 if unknown). */
  recvAck(from: string, ctx: Uint8Array | undefined): number {
    const rs = this.pending.get(ctxKey(ctx));
    if (rs === undefined) return 0;
    rs.acks.add(from);
    return rs.acks.size;
  }

  /** Acks of `ctx`, as a set of ids (empty if unknown). */
  acks(ctx: Uint8Array | undefined): ReadonlySet<string> {
    return this.pending.get(ctxKey(ctx))?.acks ?? new Set();
  }

  /** Removes and returns all requests up to and including `ctx`, oldest first. */
  advance(ctx: Uint8Array | undefined): { index: number; req: Message }[] {
    const pos = this.queue.indexOf(ctxKey(ctx));
    if (pos < 0) return [];
    const keys = this.queue.splice(0, pos + 1);
    const out: { index: number; req: Message }[] = [];
    for (const k of keys) {
      const rs = this.pending.get(k);
      this.pending.delete(k);
      if (rs !== undefined) out.push({ index: rs.index, req: rs.req });
    }
    return out;
  }

  /** Context of the most recent request, if any. */
  lastPendingCtx(): Uint8Array | undefined {
    const k = this.queue[this.queue.length - 1];
    return k === undefined ? undefined : this.pending.get(k)?.req.context;
  }

  /** Drops everything (on term change). */
  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
