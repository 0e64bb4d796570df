import { describe, expect, it } from 'vitest';
import type { Service, Task, TaskState } from '@swarmlet/api-types';
import { sampleService, sampleTask, type ObjectEvent } from '@swarmlet/store';
import { assignmentChange, isAssignedTo } from './assignments.js';

const svc: Service = {
  ...sampleService('web', 1),
  id: 'svc',
  meta: { version: 1, createdAt: '', updatedAt: '' },
};

function task(
  o: { node?: string; state?: TaskState; desired?: TaskState; version?: number } = {},
): Task {
  const base = sampleTask(svc, 1, o.node ?? 'n1');
  return {
    ...base,
    id: 't1',
    meta: { version: o.version ?? 1, createdAt: '', updatedAt: '' },
    desiredState: o.desired ?? 'running',
    status: { ...base.status, state: o.state ?? 'assigned' },
  };
}

const created = (object: Task): ObjectEvent => ({
  type: 'object',
  kind: 'task',
  op: 'create',
  object,
  old: undefined,
});
const updated = (old: Task, object: Task): ObjectEvent => ({
  type: 'object',
  kind: 'task',
  op: 'update',
  object,
  old,
});
const deleted = (object: Task): ObjectEvent => ({
  type: 'object',
  kind: 'task',
  op: 'delete',
  object,
  old: object,
});

describe('isAssignedTo', () => {
  it.each(['assigned', 'accepted', 'running', 'failed', 'shutdown'] as const)(
    'includes a %s task on the node',
    (state) => {
      expect(isAssignedTo(task({ state }), 'n1')).toBe(true);
    },
  );
  it.each(['shutdown', 'remove'] as const)(
    'includes a task still running with desired %s, so a returning agent stops it',
    (desired) => {
      expect(isAssignedTo(task({ state: 'running', desired }), 'n1')).toBe(true);
    },
  );
  it.each(['new', 'pending'] as const)('excludes a %s task', (state) => {
    expect(isAssignedTo(task({ state }), 'n1')).toBe(false);
  });
  it('excludes tasks of other nodes and missing tasks', () => {
    expect(isAssignedTo(task(), 'n2')).toBe(false);
    expect(isAssignedTo(undefined, 'n1')).toBe(false);
  });
});

describe('assignmentChange', () => {
  it('sends a new assignment when the scheduler assigns a pending task', () => {
    const now = task({ state: 'assigned', version: 2 });
    expect(assignmentChange(updated(task({ node: '', state: 'pending' }), now), 'n1')).toEqual({
      action: 'update',
      task: now,
    });
  });

  it('sends a task created already assigned', () => {
    const now = task();
    expect(assignmentChange(created(now), 'n1')).toEqual({ action: 'update', task: now });
  });

  it('tells no other node about the assignment', () => {
    expect(
      assignmentChange(updated(task({ node: '', state: 'pending' }), task()), 'n2'),
    ).toBeUndefined();
  });

  it('ignores tasks not yet assigned', () => {
    expect(assignmentChange(created(task({ node: '', state: 'new' })), 'n1')).toBeUndefined();
    expect(
      assignmentChange(
        updated(task({ node: '', state: 'new' }), task({ node: '', state: 'pending' })),
        'n1',
      ),
    ).toBeUndefined();
  });

  it.each(['shutdown', 'remove', 'ready'] as const)(
    'sends a desired-state change to %s',
    (desired) => {
      const now = task({ state: 'running', desired, version: 3 });
      expect(assignmentChange(updated(task({ state: 'running' }), now), 'n1')).toEqual({
        action: 'update',
        task: now,
      });
    },
  );

  it('does not echo a status-only change back to the agent', () => {
    expect(
      assignmentChange(
        updated(task({ state: 'accepted' }), task({ state: 'running', version: 2 })),
        'n1',
      ),
    ).toBeUndefined();
    expect(
      assignmentChange(
        updated(task({ state: 'running' }), task({ state: 'failed', version: 2 })),
        'n1',
      ),
    ).toBeUndefined();
  });

  it('tells the old node to remove a task reassigned away', () => {
    const ev = updated(task({ node: 'n1' }), task({ node: 'n2', version: 2 }));
    expect(assignmentChange(ev, 'n1')).toEqual({ action: 'remove', taskId: 't1' });
    expect(assignmentChange(ev, 'n2')).toEqual({ action: 'update', task: ev.object });
  });

  it('tells the node to remove a deleted task', () => {
    expect(assignmentChange(deleted(task({ state: 'shutdown', desired: 'remove' })), 'n1')).toEqual(
      { action: 'remove', taskId: 't1' },
    );
  });

  it('says nothing about a deleted task the node never had', () => {
    expect(assignmentChange(deleted(task({ node: '', state: 'pending' })), 'n1')).toBeUndefined();
    expect(assignmentChange(deleted(task({ node: 'n2' })), 'n1')).toBeUndefined();
  });

  it('ignores events of other kinds', () => {
    const ev: ObjectEvent = {
      type: 'object',
      kind: 'service',
      op: 'update',
      object: svc,
      old: svc,
    };
    expect(assignmentChange(ev, 'n1')).toBeUndefined();
  });
});
