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
  const linearized = new Uint8Array(ops.length);
  const cache = new Set<string>();
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
        linearized[entry.id] = 1;
        const key = cacheKey(linearized, model.key(res.state));
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ call: entry, state });
          longest = Math.max(longest, stack.length);
          state = res.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[entry.id] = 0;
      }
      entry = entry.next;
    } else {
      const top = stack.pop();
      if (top === undefined) return { result: 'illegal', partition: ops, longestPrefix: longest };
      state = top.state;
      linearized[top.call.id] = 0;
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { result: 'ok' };
}

function cacheKey(bits: Uint8Array, stateKey: string): string {
  let s = '';
  for (let i = 0; i < bits.length; i += 16) {
    let w = 0;
    for (let j = i; j < Math.min(i + 16, bits.length); j++) w = (w << 1) | (bits[j] as number);
    s += w.toString(36) + ',';
  }
  return s + '|' + stateKey;
}
