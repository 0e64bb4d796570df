import { describe, expect, it } from 'vitest';
import type { Service, Task, TaskState } from '@swarmlet/api-types';
import { sampleService, sampleTask } from '@swarmlet/store';
import { isCurrentSpec, updateActions } from './update.js';

const meta = (version: number) => ({
  version,
  createdAt: new Date(version * 1000).toISOString(),
  updatedAt: '',
});

function service(image: string, delayMs = 0): Service {
  const s = sampleService('web', 3);
  return {
    id: 'svc',
    meta: meta(10),
    spec: {
      ...s.spec,
      task: {
        ...s.spec.task,
        container: { ...s.spec.task.container, image },
        restartPolicy: { ...s.spec.task.restartPolicy, delayMs },
      },
    },
  };
}

let seq = 0;
function task(svc: Service, slot: number, state: TaskState, desired: TaskState = 'running'): Task {
  const t = sampleTask(svc, slot, 'n1');
  return {
    ...t,
    id: `t${++seq}`,
    meta: meta(seq),
    desiredState: desired,
    status: { ...t.status, state },
  };
}

const live = (t: Task): boolean => t.desiredState === 'running' && t.status.state !== 'failed';
const bySlot = (tasks: Task[]) => {
  const m = new Map<number, Task[]>();
  for (const t of tasks) m.set(t.slot, [...(m.get(t.slot) ?? []), t]);
  return m;
};

describe('updateActions (basic update: one slot at a time, start-first)', () => {
  const oldSvc = service('img:1');
  const newSvc = service('img:2');

  it('does nothing when every live task runs the current spec', () => {
    const tasks = [1, 2, 3].map((s) => task(newSvc, s, 'running'));
    expect(updateActions(newSvc, bySlot(tasks), [1, 2, 3], live)).toEqual([]);
  });

  it('starts a replacement in the lowest outdated slot only, beside the old task', () => {
    const tasks = [1, 2, 3].map((s) => task(oldSvc, s, 'running'));
    expect(updateActions(newSvc, bySlot(tasks), [1, 2, 3], live)).toEqual([
      { type: 'create', slot: 1, desiredState: 'running', restart: false },
    ]);
  });

  it('waits while the replacement is not running yet, keeping the old task', () => {
    const tasks = [
      ...[1, 2, 3].map((s) => task(oldSvc, s, 'running')),
      task(newSvc, 1, 'starting'),
    ];
    expect(updateActions(newSvc, bySlot(tasks), [1, 2, 3], live)).toEqual([]);
  });

  it('shuts the old task down once its replacement runs, and moves to the next slot', () => {
    const old1 = task(oldSvc, 1, 'running');
    const tasks = [
      old1,
      task(oldSvc, 2, 'running'),
      task(oldSvc, 3, 'running'),
      task(newSvc, 1, 'running'),
    ];
    expect(updateActions(newSvc, bySlot(tasks), [1, 2, 3], live)).toEqual([
      {
        type: 'set-desired',
        taskId: old1.id,
        desiredState: 'shutdown',
        message: 'replaced by an updated task',
      },
      { type: 'create', slot: 2, desiredState: 'running', restart: false },
    ]);
  });

  it('holds a retry of a failed replacement for the restart delay', () => {
    const svc = service('img:2', 2000);
    const tasks = [task(oldSvc, 1, 'running'), task(svc, 1, 'failed', 'shutdown')];
    expect(updateActions(svc, bySlot(tasks), [1], live)).toEqual([
      { type: 'create', slot: 1, desiredState: 'ready', restart: false },
    ]);
  });

  it('compares the whole task spec, not the version', () => {
    const t = task(oldSvc, 1, 'running');
    expect(isCurrentSpec(t, oldSvc)).toBe(true);
    expect(isCurrentSpec(t, { ...oldSvc, meta: meta(99) })).toBe(true);
    expect(isCurrentSpec(t, newSvc)).toBe(false);
  });
});
