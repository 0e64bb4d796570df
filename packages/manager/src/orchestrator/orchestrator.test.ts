import { describe, expect, it } from 'vitest';
import type { Service, Task, TaskState } from '@swarmlet/api-types';
import { sampleService, sampleTask } from '@swarmlet/store';
import { releaseHeldTasks } from './orchestrator.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function service(delayMs: number): Service {
  const base = sampleService('web', 1);
  const task = { ...base.spec.task, restartPolicy: { ...base.spec.task.restartPolicy, delayMs } };
  return {
    id: 'svc',
    meta: { version: 1, createdAt: '', updatedAt: '' },
    spec: { ...base.spec, task },
  };
}

function task(id: string, createdAt: number, desired: TaskState, svc: Service): Task {
  const iso = new Date(createdAt).toISOString();
  return {
    ...sampleTask(svc, 1),
    id,
    meta: { version: 1, createdAt: iso, updatedAt: iso },
    desiredState: desired,
  };
}

describe('releaseHeldTasks', () => {
  const svc = service(5_000);

  it('releases a held task once its delay has passed, exactly at the due time', () => {
    const tasks = [task('a', T0, 'ready', svc)];
    expect(releaseHeldTasks(tasks, T0 + 5_000)).toEqual({
      release: [
        {
          type: 'set-desired',
          taskId: 'a',
          desiredState: 'running',
          message: 'restart delay elapsed',
        },
      ],
      wakeAt: Infinity,
    });
  });

  it('keeps holding before the due time and asks to wake at it', () => {
    expect(releaseHeldTasks([task('a', T0, 'ready', svc)], T0 + 4_999)).toEqual({
      release: [],
      wakeAt: T0 + 5_000,
    });
  });

  it('wakes at the earliest due time among held tasks, releasing the due ones', () => {
    const tasks = [
      task('a', T0, 'ready', svc),
      task('b', T0 + 3_000, 'ready', svc),
      task('c', T0 + 1_000, 'ready', svc),
      task('d', T0 - 10_000, 'ready', svc),
    ];
    const { release, wakeAt } = releaseHeldTasks(tasks, T0 + 1_000);
    expect(release.map((a) => a.type === 'set-desired' && a.taskId)).toEqual(['d']);
    expect(wakeAt).toBe(T0 + 5_000);
  });

  it.each(['running', 'shutdown', 'remove', 'new'] as const)(
    'ignores tasks with desired state %s',
    (desired) => {
      expect(releaseHeldTasks([task('a', T0, desired, svc)], T0 + 60_000)).toEqual({
        release: [],
        wakeAt: Infinity,
      });
    },
  );

  it('releases at once when the delay is zero', () => {
    const s = service(0);
    expect(releaseHeldTasks([task('a', T0, 'ready', s)], T0).release).toHaveLength(1);
  });

  describe('stop-first holds', () => {
    const held: Task = { ...task('new', T0, 'ready', svc), waitsForSlot: true };
    const old = (state: TaskState): Task => ({
      ...task('old', T0 - 60_000, 'shutdown', svc),
      status: { ...held.status, state },
    });

    it('waits while an older task of the slot may still run, ignoring the restart delay', () => {
      for (const state of ['assigned', 'running'] as const)
        expect(releaseHeldTasks([old(state), held], T0 + 60_000)).toEqual({
          release: [],
          wakeAt: Infinity,
        });
    });

    it('releases once the older task has stopped, or never reached a node', () => {
      for (const state of ['shutdown', 'failed', 'pending'] as const)
        expect(releaseHeldTasks([old(state), held], T0)).toEqual({
          release: [
            {
              type: 'set-desired',
              taskId: 'new',
              desiredState: 'running',
              message: 'the task it replaces has stopped',
            },
          ],
          wakeAt: Infinity,
        });
    });

    it('does not wait for tasks of other slots', () => {
      const other: Task = { ...old('running'), slot: 2 };
      expect(releaseHeldTasks([other, held], T0).release).toHaveLength(1);
    });
  });
});
