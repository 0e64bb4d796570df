import { describe, expect, it } from 'vitest';
import type { KvInput, KvOutput } from '../sim/kv.js';
import { kvModel } from './kv-model.js';
import { checkOperations } from './linearizability.js';
import type { Model, Operation } from './model.js';

type Op = Operation<KvInput, KvOutput>;
const put = (c: string, key: string, value: string, call: number, ret: number): Op => ({
  clientId: c,
  input: { kind: 'put', key, value },
  output: ret === Infinity ? undefined : 'ok',
  call,
  ret,
});
const get = (c: string, key: string, output: string | null, call: number, ret: number): Op => ({
  clientId: c,
  input: { kind: 'get', key },
  output,
  call,
  ret,
});
const cas = (
  c: string,
  key: string,
  expected: string | null,
  value: string,
  output: boolean | undefined,
  call: number,
  ret: number,
): Op => ({
  clientId: c,
  input: { kind: 'cas', key, expected, value },
  output,
  call,
  ret,
});
const check = (h: Op[]): string => checkOperations(kvModel, h).result;

describe('linearizability checker (Wing-Gong with memoization)', () => {
  it('accepts a sequential history', () => {
    expect(
      check([
        put('a', 'x', '1', 0, 1),
        get('b', 'x', '1', 2, 3),
        put('a', 'x', '2', 4, 5),
        get('b', 'x', '2', 6, 7),
      ]),
    ).toBe('ok');
  });

  it('rejects a stale read after a completed write', () => {
    expect(
      check([put('a', 'x', '1', 0, 10), put('a', 'x', '2', 20, 30), get('b', 'x', '1', 40, 50)]),
    ).toBe('illegal');
  });

  it('rejects a read of a value never written', () => {
    expect(check([put('a', 'x', '1', 0, 10), get('b', 'x', '7', 20, 30)])).toBe('illegal');
  });

  it('accepts either order for a read concurrent with a write', () => {
    expect(check([put('a', 'x', '1', 0, 100), get('b', 'x', null, 10, 20)])).toBe('ok');
    expect(check([put('a', 'x', '1', 0, 100), get('b', 'x', '1', 10, 20)])).toBe('ok');
  });

  it('rejects reads that observe a new value then the old one (no going back in time)', () => {
    const h = [put('a', 'x', '1', 0, 100), get('b', 'x', '1', 10, 20), get('c', 'x', null, 30, 40)];
    expect(check(h)).toBe('illegal');
  });

  it('treats a timed-out write as possibly applied at any later point, or never', () => {
    expect(check([put('a', 'x', '1', 0, Infinity), get('b', 'x', '1', 50, 60)])).toBe('ok');
    expect(check([put('a', 'x', '1', 0, Infinity), get('b', 'x', null, 50, 60)])).toBe('ok');
    expect(
      check([
        put('a', 'x', '1', 0, Infinity),
        get('b', 'x', '1', 50, 60),
        get('b', 'x', null, 70, 80),
      ]),
    ).toBe('illegal');
  });

  it('checks compare-and-swap outcomes', () => {
    expect(
      check([
        put('a', 'x', '1', 0, 1),
        cas('b', 'x', '1', '2', true, 2, 3),
        get('c', 'x', '2', 4, 5),
      ]),
    ).toBe('ok');
    expect(check([put('a', 'x', '1', 0, 1), cas('b', 'x', '1', '2', false, 2, 3)])).toBe('illegal');
    expect(
      check([cas('a', 'x', null, '1', true, 0, 10), cas('b', 'x', null, '2', true, 5, 15)]),
    ).toBe('illegal');
    expect(
      check([cas('a', 'x', null, '1', true, 0, 10), cas('b', 'x', null, '2', false, 5, 15)]),
    ).toBe('ok');
  });

  it('partitions per key: an anomaly on one key is found among many clean keys', () => {
    const h: Op[] = [];
    for (let k = 0; k < 20; k++)
      h.push(
        put('a', `k${k}`, 'v', k * 10, k * 10 + 5),
        get('b', `k${k}`, 'v', k * 10 + 6, k * 10 + 8),
      );
    expect(check(h)).toBe('ok');
    h.push(get('c', 'k7', null, 1000, 1001));
    const res = checkOperations(kvModel, h);
    expect(res.result).toBe('illegal');
    if (res.result === 'illegal')
      expect(res.partition.every((op) => op.input.key === 'k7')).toBe(true);
  });

  it('stays fast on a long highly-concurrent history thanks to memoization', () => {
    const h: Op[] = [];
    // 8 clients, 400 ops, all overlapping in windows of 8: without the cache this is 8! per window.
    for (let w = 0; w < 50; w++) {
      for (let c = 0; c < 8; c++) h.push(put(`c${c}`, 'x', `${w}.${c}`, w * 100, w * 100 + 50));
      h.push(get('r', 'x', `${w}.3`, w * 100 + 60, w * 100 + 70));
    }
    const t0 = performance.now();
    expect(check(h)).toBe('ok');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('reports unknown when the search budget is exhausted', () => {
    const h: Op[] = [];
    for (let c = 0; c < 12; c++) h.push(put(`c${c}`, 'x', `${c}`, 0, 100));
    h.push(get('r', 'x', 'nope', 200, 300));
    expect(checkOperations(kvModel, h, { maxSteps: 50 }).result).toBe('unknown');
    expect(checkOperations(kvModel, h).result).toBe('illegal');
  });

  it('works with any model: a FIFO queue', () => {
    type Q = { kind: 'enq'; v: number } | { kind: 'deq' };
    const queue: Model<number[], Q, number | null> = {
      init: () => [],
      step: (s, i, o) =>
        i.kind === 'enq'
          ? { ok: true, state: [...s, i.v] }
          : { ok: o === undefined || o === (s[0] ?? null), state: s.slice(1) },
      key: (s) => s.join(','),
    };
    const op = (
      c: string,
      input: Q,
      output: number | null,
      call: number,
      ret: number,
    ): Operation<Q, number | null> => ({ clientId: c, input, output, call, ret });
    const good = [
      op('a', { kind: 'enq', v: 1 }, null, 0, 10),
      op('b', { kind: 'enq', v: 2 }, null, 5, 15),
      op('c', { kind: 'deq' }, 2, 20, 30),
    ];
    expect(checkOperations(queue, good).result).toBe('ok');
    const bad = [
      op('a', { kind: 'enq', v: 1 }, null, 0, 10),
      op('b', { kind: 'enq', v: 2 }, null, 11, 15),
      op('c', { kind: 'deq' }, 2, 20, 30),
    ];
    expect(checkOperations(queue, bad).result).toBe('illegal');
  });
});
