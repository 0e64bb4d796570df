import { describe, expect, it } from 'vitest';
import { isSwarmletError, type Service } from '@swarmlet/api-types';
import { sampleService } from '@swarmlet/store';
import { revise, rollback } from './revision.js';

const T = Date.parse('2026-05-01T10:00:00Z');
const svc = (o: Partial<Service['spec']> = {}): Service => {
  const s = sampleService('web', 2).spec;
  return {
    id: 's',
    meta: { version: 3, createdAt: '', updatedAt: '' },
    spec: { ...s, ...o },
  };
};
const withImage = (s: Service, image: string): Service['spec'] => ({
  ...s.spec,
  task: { ...s.spec.task, container: { ...s.spec.task.container, image } },
});

describe('revise', () => {
  it('starts an update, keeping the old spec, when the task spec changes', () => {
    const cur = svc();
    const next = revise(cur, withImage(cur, 'img:2'), T);
    expect(next.previousSpec).toEqual(cur.spec);
    expect(next.updateStatus).toEqual({
      state: 'updating',
      startedAt: new Date(T).toISOString(),
      message: 'update in progress',
    });
  });

  it('changes nothing else when only replicas or labels change', () => {
    const cur = {
      ...svc(),
      updateStatus: { state: 'completed' as const, startedAt: 'x', message: 'm' },
    };
    const next = revise(cur, { ...cur.spec, replicas: 9, labels: { a: 'b' } }, T);
    expect(next.previousSpec).toBeUndefined();
    expect(next.updateStatus).toEqual(cur.updateStatus);
    expect(next.spec.replicas).toBe(9);
  });

  it('runs a job again on any update', () => {
    const job = { ...svc({ mode: 'replicated-job' }), jobIteration: 4 };
    expect(revise(job, job.spec, T).jobIteration).toBe(5);
    expect(revise(job, job.spec, T).updateStatus).toBeUndefined();
  });
});

describe('rollback', () => {
  it('swaps spec and previous spec and starts a rollback', () => {
    const cur = revise(svc(), withImage(svc(), 'img:2'), T);
    const back = rollback(cur, T + 1);
    expect(back.spec).toEqual(svc().spec);
    expect(back.previousSpec?.task.container.image).toBe('img:2');
    expect(back.updateStatus?.state).toBe('rollback_started');
  });

  it('refuses without a previous spec, and for jobs', () => {
    for (const s of [svc(), svc({ mode: 'replicated-job' })]) {
      let err: unknown;
      try {
        rollback(s, T);
      } catch (e) {
        err = e;
      }
      expect(isSwarmletError(err, 'FAILED_PRECONDITION')).toBe(true);
    }
  });
});
