import { describe, expect, it } from 'vitest';
import type { RestartPolicy, Service, Task, TaskState } from '@swarmlet/api-types';
import { sampleService, sampleTask } from '@swarmlet/store';
import { RestartHistory, shouldRestart } from './restart.js';

const svc: Service = {
  ...sampleService('web', 1),
  id: 'svc',
  meta: { version: 1, createdAt: '', updatedAt: '' },
};
const NOW = 100_000;

function ended(state: TaskState): Task {
  const base = sampleTask(svc, 1, 'n1');
  return {
    ...base,
    id: 't',
    meta: { version: 1, createdAt: '', updatedAt: '' },
    status: { ...base.status, state },
  };
}

const policy = (p: Partial<RestartPolicy> = {}): RestartPolicy => ({
  condition: 'any',
  delayMs: 0,
  maxAttempts: 0,
  windowMs: 0,
  ...p,
});

describe('shouldRestart', () => {
  it.each(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'running'] as const)(
    'condition any restarts a %s task',
    (state) => {
      expect(shouldRestart(policy(), ended(state), [], NOW)).toBe(true);
    },
  );

  it.each([
    ['complete', false],
    ['failed', true],
    ['rejected', true],
    ['shutdown', true],
    ['orphaned', true],
    ['running', true],
  ] as const)('condition on-failure with a %s task: %s', (state, want) => {
    expect(shouldRestart(policy({ condition: 'on-failure' }), ended(state), [], NOW)).toBe(want);
  });

  it.each(['complete', 'failed', 'running'] as const)(
    'condition none never restarts (%s)',
    (state) => {
      expect(shouldRestart(policy({ condition: 'none' }), ended(state), [], NOW)).toBe(false);
    },
  );

  it('maxAttempts 0 is unlimited', () => {
    expect(
      shouldRestart(
        policy(),
        ended('failed'),
        Array.from({ length: 1000 }, (_, i) => i),
        NOW,
      ),
    ).toBe(true);
  });

  it('stops at maxAttempts restarts over the whole life when windowMs is 0', () => {
    const p = policy({ maxAttempts: 2 });
    expect(shouldRestart(p, ended('failed'), [1], NOW)).toBe(true);
    expect(shouldRestart(p, ended('failed'), [1, 2], NOW)).toBe(false);
  });

  it('counts only restarts inside the window, its start included', () => {
    const p = policy({ maxAttempts: 1, windowMs: 1_000 });
    expect(shouldRestart(p, ended('failed'), [NOW - 1_001], NOW)).toBe(true);
    expect(shouldRestart(p, ended('failed'), [NOW - 1_000], NOW)).toBe(false);
  });

  it('does not restart a completed task under on-failure even with attempts left', () => {
    expect(
      shouldRestart(
        policy({ condition: 'on-failure', maxAttempts: 5 }),
        ended('complete'),
        [],
        NOW,
      ),
    ).toBe(false);
  });
});

describe('RestartHistory', () => {
  it('records per service and slot', () => {
    const h = new RestartHistory();
    h.record('a', 1, 10);
    h.record('a', 1, 20);
    h.record('a', 2, 30);
    h.record('b', 1, 40);
    expect(h.get('a', 1)).toEqual([10, 20]);
    expect(h.get('a', 2)).toEqual([30]);
    expect(h.get('b', 1)).toEqual([40]);
    expect(h.get('c', 1)).toEqual([]);
  });

  it('forgets one service only, even when another id shares its prefix', () => {
    const h = new RestartHistory();
    h.record('a', 1, 10);
    h.record('ab', 1, 20);
    h.forgetService('a');
    expect(h.get('a', 1)).toEqual([]);
    expect(h.get('ab', 1)).toEqual([20]);
  });

  it('keeps the last 1000 restarts of a slot', () => {
    const h = new RestartHistory();
    for (let i = 0; i < 1005; i++) h.record('a', 1, i);
    const got = h.get('a', 1);
    expect(got).toHaveLength(1000);
    expect(got[0]).toBe(5);
    expect(got[999]).toBe(1004);
  });
});
