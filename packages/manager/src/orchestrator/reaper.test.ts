import { describe, expect, it } from 'vitest';
import type { Service, Task, TaskState } from '@swarmlet/api-types';
import { sampleService, sampleTask } from '@swarmlet/store';
import { tasksToReap } from './reaper.js';

const svc: Service = {
  ...sampleService('web', 1),
  id: 'svc',
  meta: { version: 1, createdAt: '', updatedAt: '' },
};

function task(
  id: string,
  slot: number,
  version: number,
  state: TaskState,
  desired: TaskState,
): Task {
  const base = sampleTask(svc, slot, 'n1');
  return {
    ...base,
    id,
    meta: { version, createdAt: '', updatedAt: '' },
    desiredState: desired,
    status: { ...base.status, state },
  };
}

describe('tasksToReap: removed tasks', () => {
  it.each(['complete', 'shutdown', 'failed', 'rejected', 'orphaned'] as const)(
    'deletes a removed task once it is %s',
    (state) => {
      expect(tasksToReap([task('a', 1, 1, state, 'remove')], 5)).toEqual(['a']);
    },
  );

  it.each(['new', 'pending'] as const)(
    'deletes a removed task that never reached a node (%s)',
    (state) => {
      expect(tasksToReap([task('a', 1, 1, state, 'remove')], 5)).toEqual(['a']);
    },
  );

  it.each(['assigned', 'accepted', 'preparing', 'ready', 'starting', 'running'] as const)(
    'waits for a removed %s task to stop',
    (state) => {
      expect(tasksToReap([task('a', 1, 1, state, 'remove')], 5)).toEqual([]);
    },
  );

  it('does not count removed tasks against the history limit', () => {
    const tasks = [
      task('live', 1, 10, 'running', 'running'),
      task('rm', 1, 5, 'running', 'remove'),
    ];
    expect(tasksToReap(tasks, 1)).toEqual([]);
  });
});

describe('tasksToReap: history per slot', () => {
  const slot1 = [
    task('h1', 1, 1, 'failed', 'shutdown'),
    task('h2', 1, 2, 'failed', 'shutdown'),
    task('h3', 1, 3, 'failed', 'shutdown'),
    task('live', 1, 4, 'running', 'running'),
  ];

  it('keeps everything within the limit', () => {
    expect(tasksToReap(slot1, 4)).toEqual([]);
    expect(tasksToReap(slot1, 5)).toEqual([]);
  });

  it('deletes the oldest history first; the live task counts toward the limit', () => {
    expect(tasksToReap(slot1, 3)).toEqual(['h1']);
    expect(tasksToReap(slot1, 2)).toEqual(['h2', 'h1']);
    expect(tasksToReap(slot1, 1).sort()).toEqual(['h1', 'h2', 'h3']);
  });

  it('orders by store version, not by input order', () => {
    expect(tasksToReap([...slot1].reverse(), 3)).toEqual(['h1']);
  });

  it('always keeps the newest task of a slot, so a finished slot stays finished', () => {
    const finished = [
      task('old', 1, 1, 'failed', 'shutdown'),
      task('newest', 1, 2, 'complete', 'shutdown'),
    ];
    expect(tasksToReap(finished, 0)).toEqual(['old']);
    expect(tasksToReap(finished, 1)).toEqual(['old']);
  });

  it('never deletes a task that is still stopping or still wanted', () => {
    const tasks = [
      task('stopping', 1, 1, 'running', 'shutdown'),
      task('held', 1, 2, 'new', 'ready'),
      task('ended-unacked', 1, 3, 'failed', 'running'),
      task('live', 1, 4, 'running', 'running'),
    ];
    expect(tasksToReap(tasks, 1)).toEqual([]);
  });

  it('applies the limit to each slot separately', () => {
    const tasks = [
      ...slot1,
      task('s2old', 2, 5, 'failed', 'shutdown'),
      task('s2live', 2, 6, 'running', 'running'),
    ];
    expect(tasksToReap(tasks, 2).sort()).toEqual(['h1', 'h2']);
  });

  it('returns nothing for no tasks', () => {
    expect(tasksToReap([], 5)).toEqual([]);
  });
});

describe('tasksToReap: global services and jobs', () => {
  const onNode = (id: string, nodeId: string, version: number): Task => ({
    ...task(id, 0, version, 'shutdown', 'shutdown'),
    nodeId,
  });

  it('keeps history per node for global tasks (slot 0)', () => {
    const tasks = [onNode('a1', 'a', 1), onNode('a2', 'a', 2), onNode('b1', 'b', 3)];
    expect(tasksToReap(tasks, 1)).toEqual(['a1']);
  });

  it('keeps every task of the current job iteration, and prunes older iterations', () => {
    const it = (id: string, version: number, iteration: number): Task => ({
      ...task(id, 1, version, 'complete', 'shutdown'),
      jobIteration: iteration,
    });
    const tasks = [it('old1', 1, 0), it('old2', 2, 0), it('new1', 3, 1), it('new2', 4, 1)];
    expect(tasksToReap(tasks, 1, 1)).toEqual(['old1']);
    expect(tasksToReap(tasks, 1)).toEqual(['new1', 'old2', 'old1']);
  });
});
