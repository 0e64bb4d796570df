import { describe, expect, it } from 'vitest';
import { RoundRobin, type Choice } from './balancer.js';

const A = { addr: '10.0.0.1', port: 80 };
const B = { addr: '10.0.0.2', port: 80 };
const C = { addr: '10.0.0.3', port: 80 };

function pick(c: Choice | undefined): string | undefined {
  return c?.list[c.index]?.addr;
}

describe('RoundRobin', () => {
  it('has nothing to choose from when empty', () => {
    const rr = new RoundRobin();
    expect(rr.first()).toBeUndefined();
  });

  it('rotates one step per first()', () => {
    const rr = new RoundRobin();
    rr.set([A, B, C]);
    const got = Array.from({ length: 7 }, () => pick(rr.first()));
    expect(got).toEqual([
      '10.0.0.1',
      '10.0.0.2',
      '10.0.0.3',
      '10.0.0.1',
      '10.0.0.2',
      '10.0.0.3',
      '10.0.0.1',
    ]);
  });

  it('tries the following backends in order after a failure, each once', () => {
    const rr = new RoundRobin();
    rr.set([A, B, C]);
    rr.first();
    const second = rr.first();
    const third = rr.next(second!);
    const fourth = rr.next(third!);
    expect([pick(second), pick(third), pick(fourth)]).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.1']);
    expect(rr.next(fourth!)).toBeUndefined();
    // Failures did not move the rotation.
    expect(pick(rr.first())).toBe('10.0.0.3');
  });

  it('keeps the rotation count across set()', () => {
    const rr = new RoundRobin();
    rr.set([A, B, C]);
    rr.first();
    rr.first();
    rr.set([A, C]);
    expect(pick(rr.first())).toBe('10.0.0.1'); // third choice: 2 mod 2
    expect(pick(rr.first())).toBe('10.0.0.3');
  });

  it('retries on the new list, never on a removed backend', () => {
    const rr = new RoundRobin();
    rr.set([A, B, C]);
    const first = rr.first();
    rr.set([B, C]);
    const retry = rr.next(first!);
    expect(pick(retry)).toBe('10.0.0.3'); // 1 mod 2, rotation not advanced
    expect(rr.next(retry!)).toBeUndefined(); // two attempts: as many as the new list holds
    rr.set([]);
    expect(rr.next(first!)).toBeUndefined();
  });

  it('copies what it is given', () => {
    const rr = new RoundRobin();
    const list = [{ ...A }];
    rr.set(list);
    list[0]!.port = 81;
    list.push(B);
    expect(rr.backends).toEqual([A]);
    expect(Object.isFrozen(rr.backends)).toBe(true);
  });
});
