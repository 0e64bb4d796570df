import { describe, expect, it } from 'vitest';
import type { ServiceView, Task, UpdateStatus } from '@swarmlet/api-types';
import { serviceView, task } from '../testing/fixtures.js';
import { progressOf } from './modes.js';

const T = '2026-01-01T00:00:00.000Z';
const status = (state: UpdateStatus['state'], message = 'm'): UpdateStatus => ({
  state,
  startedAt: T,
  message,
});
const web = (o: Partial<ServiceView> = {}): ServiceView => ({ ...serviceView('web', 2, 2), ...o });
const running = [task('a', 1, 'running'), task('b', 2, 'running')];
const mine = { startedAt: T, rollback: false };

describe('progressOf', () => {
  it('replicated: converged when every slot runs the current spec', () => {
    expect(progressOf(web(), running)).toMatchObject({ converged: true, running: 2 });
    expect(progressOf(web(), running).error).toBeUndefined();
  });

  it('a paused update ends the wait with its message', () => {
    const p = progressOf(
      web({ updateStatus: status('paused', 'update paused due to X') }),
      running,
      mine,
    );
    expect(p.error).toBe('update paused due to X');
  });

  it('an automatic rollback fails the wait once converged, but not one the user asked for', () => {
    const rolling = web({
      updateStatus: status('rollback_started', 'update rolled back due to Y'),
    });
    const done = web({ updateStatus: status('rollback_completed', 'update rolled back due to Y') });
    expect(progressOf(rolling, running, mine)).toMatchObject({ converged: false });
    expect(progressOf(rolling, running, mine).error).toBeUndefined();
    expect(progressOf(done, running, mine).error).toBe('rollback: update rolled back due to Y');
    const asked = { ...mine, rollback: true };
    expect(progressOf(done, running, asked)).toMatchObject({ converged: true });
    expect(progressOf(done, running, asked).error).toBeUndefined();
  });

  it('global: against the eligible nodes the manager counts, one line per node', () => {
    const g = web({
      spec: { ...web().spec, mode: 'global', replicas: 0 },
      serviceStatus: { runningTasks: 1, desiredTasks: 2 },
    });
    const onNode = (id: string, nodeId: string, state: Task['status']['state']): Task => ({
      ...task(id, 0, state),
      nodeId,
    });
    const p = progressOf(g, [onNode('a', 'n1', 'running'), onNode('b', 'n2', 'preparing')]);
    expect(p).toMatchObject({ converged: false, running: 1, replicas: 2 });
    expect(p.slots.map((s) => s.state)).toEqual(['running', 'preparing']);
    expect(
      progressOf(g, [onNode('a', 'n1', 'running'), onNode('b', 'n2', 'running')]).converged,
    ).toBe(true);
  });

  it('jobs: converged when completed, an error when failed', () => {
    const job = (jobState: 'running' | 'completed' | 'failed'): ServiceView =>
      web({
        spec: { ...web().spec, mode: 'replicated-job' },
        serviceStatus: {
          runningTasks: 0,
          desiredTasks: 2,
          completedTasks: 2,
          jobState,
          jobMessage: 'job failed: 7 tasks failed (backoff limit 6); last: exit 1',
        },
      });
    expect(progressOf(job('running'), []).converged).toBe(false);
    expect(progressOf(job('completed'), []).converged).toBe(true);
    expect(progressOf(job('failed'), []).error).toMatch(/^job failed: 7 tasks failed/);
  });
});
