import type { KvInput, KvOutput } from '../sim/kv.js';
import type { Model, Operation } from './model.js';

/** State of one key: its value, or null when absent. */
export type KvKeyState = string | null;

/**
 * Sequential spec of a single-key register with put/get/cas, partitioned per
 * key (keys are independent, so linearizability composes — Herlihy & Wing).
 */
export const kvModel: Model<KvKeyState, KvInput, KvOutput> = {
  init: () => null,
  step(state, input, output) {
    switch (input.kind) {
      case 'put':
        return { ok: output === undefined || output === 'ok', state: input.value };
      case 'get':
        return { ok: output === undefined || output === state, state };
      case 'cas': {
        const swapped = state === input.expected;
        if (output !== undefined && output !== swapped) return { ok: false, state };
        return { ok: true, state: swapped ? input.value : state };
      }
    }
  },
  key: (s) => (s === null ? '\u0000' : s),
  partition(history) {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
    for (const op of history) {
      const list = byKey.get(op.input.key) ?? [];
      list.push(op);
      byKey.set(op.input.key, list);
    }
    return [...byKey.keys()].sort().map((k) => byKey.get(k) ?? []);
  },
  describe(op) {
    const i = op.input;
    const args =
      i.kind === 'get'
        ? i.key
        : i.kind === 'put'
          ? `${i.key}=${i.value}`
          : `${i.key}:${String(i.expected)}→${i.value}`;
    const ret = op.ret === Infinity ? '∞' : String(op.ret);
    return `${op.clientId} ${i.kind}(${args}) → ${op.output === undefined ? '?' : String(op.output)} [${op.call}, ${ret}]`;
  },
};
