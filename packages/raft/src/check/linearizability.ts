import type { Model, Operation } from './model.js';

/** Outcome of a check: `ok`, `illegal` (with the failing partition), or `unknown` (budget exhausted). */
export type CheckResult<I, O> =
  | { result: 'ok' }
  | { result: 'illegal'; partition: Operation<I, O>[]; longestPrefix: number }
  | { result: 'unknown' };

/** Limits for one check. */
export interface CheckOptions {
  /** Give up (result 'unknown') after this many search steps per partition. Default 1e6. */
  maxSteps?: number;
}

interface Node<I, O> {
  id: number;
  isCall: boolean;
  time: number;
  op: Operation<I, O>;
  match: Node<I, O> | undefined; // call → its return
  prev: Node<I, O> | undefined;
  next: Node<I, O> | undefined;
}

/**
 * Wing & Gong's linearizability search with Lowe's memoization, as in
 * Porcupine: walk the time-ordered list of call/return events; try to
 * linearize the earliest pending call whose predecessors are done, lifting it
 * (and its return) out of the list; backtrack when a return is reached whose
 * call is not yet linearized. (linearized-set, state) pairs already explored
 * are cached, which makes typical histories near-linear. Histories are first
 * split with `model.partition` (per key), each checked independently.
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: Operation<I, O>[],
  opts: CheckOptions = {},
): CheckResult<I, O> {
  const parts = model.partition ? model.partition(history) : [history];
  let unknown = false;
  for (const part of parts) {
    const res = checkPartition(model, part, opts.maxSteps ?? 1_000_000);
    if (res.result === 'illegal') return res;
    if (res.result === 'unknown') unknown = true;
  }
  return unknown ? { result: 'unknown' } : { result: 'ok' };
}

function buildList<I, O>(ops: Operation<I, O>[]): Node<I, O> {
  const events: Node<I, O>[] = [];
  ops.forEach((op, id) => {
    const call: Node<I, O> = {
      id,
      isCall: true,
      time: op.call,
      op,
      match: undefined,
      prev: undefined,
      next: undefined,
    };
    const ret: Node<I, O> = {
      id,
      isCall: false,
      time: op.ret,
      op,
      match: undefined,
      prev: undefined,
      next: undefined,
    };
    call.match = ret;
    events.push(call, ret);
  });
  // Calls sort before returns at equal times: touching operations count as concurrent.
  events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.id - b.id);
  const head: Node<I, O> = {
    id: -1,
    isCall: false,
    time: -Infinity,
    op: ops[0] as Operation<I, O>,
    match: undefined,
    prev: undefined,
    next: undefined,
  };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

function lift<I, O>(call: Node<I, O>): void {
  unlink(call);
  if (call.match !== undefined) unlink(call.match);
}

function unlink<I, O>(n: Node<I, O>): void {
  if (n.prev !== undefined) n.prev.next = n.next;
  if (n.next !== undefined) n.next.prev = n.prev;
}

function unlift<I, O>(call: Node<I, O>): void {
  const ret = call.match;
  if (ret !== undefined) relink(ret);
  relink(call);
}

function relink<I, O>(n: Node<I, O>): void {
  if (n.prev !== undefined) n.prev.next = n;
  if (n.next !== undefined) n.next.prev = n;
}

function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  maxSteps: number,
): CheckResult<I, O> {
  if (ops.length === 0) return { result: 'ok' };
  const head = buildList(ops);
  const linearized = new LinearizedSet(ops.length);
  const cache = new VisitedCache();
  const stack: { call: Node<I, O>; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let longest = 0;
  for (let steps = 0; entry !== undefined; steps++) {
    if (steps > maxSteps) return { result: 'unknown' };
    if (entry.isCall) {
      const out = entry.op.ret === Infinity ? undefined : entry.op.output;
      const res = model.step(state, entry.op.input, out);
      if (res.ok) {
        linearized.toggle(entry.id);
        if (cache.add(linearized, model.key(res.state))) {
          stack.push({ call: entry, state });
          longest = Math.max(longest, stack.length);
          state = res.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized.toggle(entry.id);
      }
      entry = entry.next;
    } else {
      const top = stack.pop();
      if (top === undefined) return { result: 'illegal', partition: ops, longestPrefix: longest };
      state = top.state;
      linearized.toggle(top.call.id);
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { result: 'ok' };
}

/**
 * The set of linearized operations as a bitset, with an incrementally
 * maintained Zobrist hash (XOR of a random 52-bit value per member), so
 * toggling and hashing are O(1) instead of O(history).
 */
class LinearizedSet {
  readonly bits: Uint32Array;
  hash = 0;
  private readonly salt: number[];

  constructor(n: number) {
    this.bits = new Uint32Array(Math.ceil(n / 32));
    let x = 0x9e3779b9;
    this.salt = Array.from({ length: n }, () => {
      x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      const hi = x & 0xfffff;
      x = (Math.imul(x ^ (x >>> 13), 0x297a2d39) + 0x6d2b79f5) >>> 0;
      return hi * 0x100000000 + x;
    });
  }

  toggle(i: number): void {
    this.bits[i >>> 5] = (this.bits[i >>> 5] as number) ^ (1 << (i & 31));
    this.hash = xor52(this.hash, this.salt[i] as number);
  }
}

function xor52(a: number, b: number): number {
  const hi = (Math.floor(a / 0x100000000) ^ Math.floor(b / 0x100000000)) >>> 0;
  const lo = ((a >>> 0) ^ (b >>> 0)) >>> 0;
  return hi * 0x100000000 + lo;
}

/** Visited (linearized set, state) pairs; hash collisions are resolved by comparing bitsets. */
class VisitedCache {
  private readonly buckets = new Map<string, Uint32Array[]>();

  /** Adds the pair; false if it was already present. */
  add(set: LinearizedSet, stateKey: string): boolean {
    const key = `${set.hash}|${stateKey}`;
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      this.buckets.set(key, [set.bits.slice()]);
      return true;
    }
    if (bucket.some((b) => sameBits(b, set.bits))) return false;
    bucket.push(set.bits.slice());
    return true;
  }
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
