import { describe, expect, it } from 'vitest';
import type { Service, Task, TaskState, UpdateConfig, UpdateStatus } from '@swarmlet/api-types';
import { sampleService, sampleTask } from '@swarmlet/store';
import type { OrchestratorAction } from './actions.js';
import { DEFAULT_UPDATE_CONFIG, isCurrentSpec, planUpdate, slotKey } from './update.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function service(image: string, o: Partial<UpdateConfig> = {}, status?: UpdateStatus): Service {
  const s = sampleService('web', 3);
  return {
    id: 'svc',
    meta: { version: 10, createdAt: iso(T0), updatedAt: iso(T0) },
    spec: {
      ...s.spec,
      task: { ...s.spec.task, container: { ...s.spec.task.container, image } },
      updateConfig: { ...DEFAULT_UPDATE_CONFIG, ...o },
      rollbackConfig: { ...DEFAULT_UPDATE_CONFIG, ...o, failureAction: 'pause' },
    },
    ...(status ? { updateStatus: status } : {}),
  };
}

const updating = (at = T0): UpdateStatus => ({
  state: 'updating',
  startedAt: iso(at),
  message: 'update in progress',
});

let seq = 0;
/** A task of `svc`'s spec in `slot`, created at `created`, in `state` since `since`. */
function task(
  svc: Service,
  slot: number,
  state: TaskState,
  o: { desired?: TaskState; created?: number; since?: number; err?: string } = {},
): Task {
  const t = sampleTask(svc, slot, 'n1');
  return {
    ...t,
    id: `t${++seq}`,
    meta: { version: seq, createdAt: iso(o.created ?? T0 - 60_000), updatedAt: '' },
    desiredState: o.desired ?? 'running',
    status: { ...t.status, state, timestamp: iso(o.since ?? T0 - 60_000), err: o.err ?? '' },
  };
}

const isLive = (t: Task): boolean =>
  (t.desiredState === 'running' || t.desiredState === 'ready') &&
  !['complete', 'failed', 'rejected', 'shutdown'].includes(t.status.state);

function plan(svc: Service, tasks: Task[], now = T0) {
  const slots = new Map<string, Task[]>();
  for (const t of tasks) slots.set(slotKey(t), [...(slots.get(slotKey(t)) ?? []), t]);
  const liveSlots = [...slots].filter(([, ts]) => ts.some(isLive)).map(([k]) => k);
  return planUpdate({
    service: svc,
    slots,
    liveSlots,
    isLive,
    place: (k) => ({ slot: Number(k) }),
    now,
  });
}

const creates = (a: OrchestratorAction[]) =>
  a.filter((x) => x.type === 'create').map((x) => (x.type === 'create' ? x.slot : -1));
const shutdowns = (a: OrchestratorAction[]) =>
  a.filter((x) => x.type === 'set-desired').map((x) => (x.type === 'set-desired' ? x.taskId : ''));
const statusOf = (a: OrchestratorAction[]) =>
  a.find((x) => x.type === 'update-status') as
    Extract<OrchestratorAction, { type: 'update-status' }> | undefined;

const oldSvc = service('img:1');
const running = (svc: Service, slot: number, since?: number) =>
  task(svc, slot, 'running', since === undefined ? {} : { since });

describe('planUpdate: batches', () => {
  it('does nothing when every live task runs the current spec', () => {
    const svc = service('img:1', {}, updating(T0 - 60_000));
    const r = plan(svc, [running(svc, 1), running(svc, 2)], T0);
    expect(r.actions.filter((a) => a.type !== 'update-status')).toEqual([]);
  });

  it('stop-first (default): shuts the old task down and holds its replacement until it stopped', () => {
    const svc = service('img:2', {}, updating());
    const olds = [1, 2, 3].map((s) => running(oldSvc, s));
    const r = plan(svc, olds);
    expect(r.actions).toEqual([
      {
        type: 'set-desired',
        taskId: olds[0]!.id,
        desiredState: 'shutdown',
        message: 'shut down for a stop-first update',
      },
      {
        type: 'create',
        slot: 1,
        restart: false,
        desiredState: 'ready',
        waitsForSlot: true,
      },
    ]);
  });

  it('start-first: creates the replacement beside the old task, then shuts the old one down once it runs', () => {
    const svc = service('img:2', { order: 'start-first' }, updating());
    const olds = [1, 2].map((s) => running(oldSvc, s));
    const first = plan(svc, olds);
    expect(first.actions).toEqual([
      { type: 'create', slot: 1, restart: false, desiredState: 'running' },
    ]);
    const starting = task(svc, 1, 'starting', { created: T0 });
    expect(plan(svc, [...olds, starting]).actions).toEqual([]);
    const up = task(svc, 1, 'running', { created: T0, since: T0 + 1000 });
    const next = plan(svc, [...olds, up], T0 + 1000);
    expect(shutdowns(next.actions)).toEqual([olds[0]!.id]);
    expect(creates(next.actions)).toEqual([2]);
  });

  it('replaces `parallelism` slots at a time, and all at once with 0', () => {
    const olds = [1, 2, 3, 4, 5].map((s) => running(oldSvc, s));
    const two = service('img:2', { parallelism: 2, order: 'start-first' }, updating());
    expect(creates(plan(two, olds).actions)).toEqual([1, 2]);
    const all = service('img:2', { parallelism: 0, order: 'start-first' }, updating());
    expect(creates(plan(all, olds).actions)).toEqual([1, 2, 3, 4, 5]);
  });

  it('waits for the whole batch to run before the next one', () => {
    const svc = service('img:2', { parallelism: 2, order: 'start-first' }, updating());
    const olds = [1, 2, 3].map((s) => running(oldSvc, s));
    const tasks = [...olds, running(svc, 1, T0), task(svc, 2, 'preparing', { created: T0 })];
    expect(creates(plan(svc, tasks, T0 + 5000).actions)).toEqual([]);
  });

  it('waits `delayMs` after the last start before the next batch, and says when to wake', () => {
    const svc = service('img:2', { delayMs: 10_000, order: 'start-first' }, updating());
    const tasks = [running(svc, 1, T0 + 1000), running(oldSvc, 2)];
    const early = plan(svc, tasks, T0 + 5000);
    expect(creates(early.actions)).toEqual([]);
    expect(early.wakeAt).toBe(T0 + 11_000);
    expect(creates(plan(svc, tasks, T0 + 11_000).actions)).toEqual([2]);
  });

  it('compares the whole task spec, not the version', () => {
    const a = service('img:1');
    const b = { ...service('img:1'), meta: { ...a.meta, version: 99 } };
    expect(isCurrentSpec(running(a, 1), b)).toBe(true);
    expect(isCurrentSpec(running(a, 1), service('img:2'))).toBe(false);
  });

  it('keys global slots by node', () => {
    const t = { ...running(oldSvc, 1), slot: 0, nodeId: 'node-b' };
    expect(slotKey(t)).toBe('node-b');
    expect(slotKey(running(oldSvc, 4))).toBe('4');
  });
});

describe('planUpdate: completion and monitoring', () => {
  it('completes `monitorMs` after the last task started, not before', () => {
    const svc = service('img:2', { monitorMs: 5000 }, updating());
    const tasks = [running(svc, 1, T0 + 1000), running(svc, 2, T0 + 2000)];
    const early = plan(svc, tasks, T0 + 4000);
    expect(statusOf(early.actions)).toBeUndefined();
    expect(early.wakeAt).toBe(T0 + 7000);
    expect(statusOf(plan(svc, tasks, T0 + 7000).actions)?.status).toEqual({
      state: 'completed',
      startedAt: iso(T0),
      completedAt: iso(T0 + 7000),
      message: 'update completed',
    });
  });

  it('a rollback completes as rollback_completed with the rollback config', () => {
    const status: UpdateStatus = { state: 'rollback_started', startedAt: iso(T0), message: '' };
    const svc = service('img:1', { monitorMs: 0 }, status);
    expect(statusOf(plan(svc, [running(svc, 1, T0 + 10)], T0 + 20).actions)?.status).toEqual({
      state: 'rollback_completed',
      startedAt: iso(T0),
      completedAt: iso(T0 + 20),
      message: 'rollback completed',
    });
    const auto = service(
      'img:1',
      { monitorMs: 0 },
      { ...status, message: 'update rolled back due to X' },
    );
    expect(statusOf(plan(auto, [running(auto, 1, T0 + 10)], T0 + 20).actions)?.status.message).toBe(
      'update rolled back due to X; rollback completed',
    );
  });

  it('writes no status when no update is in progress', () => {
    const svc = service('img:1');
    expect(plan(svc, [running(svc, 1)]).actions).toEqual([]);
  });
});

describe('planUpdate: failures', () => {
  const failedNew = (svc: Service, slot: number) =>
    task(svc, slot, 'failed', { created: T0 + 100, since: T0 + 500, err: 'exit 1' });

  it('pauses on the first failure of an updated task by default, naming it', () => {
    const svc = service('img:2', {}, updating());
    const bad = failedNew(svc, 1);
    const r = plan(svc, [bad, running(oldSvc, 2), running(oldSvc, 3)], T0 + 1000);
    expect(r.actions.filter((a) => a.type === 'create')).toEqual([]);
    expect(statusOf(r.actions)?.status).toEqual({
      state: 'paused',
      startedAt: iso(T0),
      message: `update paused due to failure or early termination of task ${bad.id} (exit 1)`,
    });
  });

  it('ignores failures of tasks created before the update started', () => {
    const svc = service('img:2', { order: 'start-first' }, updating());
    const before = task(svc, 1, 'failed', { created: T0 - 5000, since: T0 - 4000 });
    const r = plan(svc, [before, running(oldSvc, 2)], T0 + 1000);
    expect(statusOf(r.actions)).toBeUndefined();
    expect(creates(r.actions)).toEqual([2]);
  });

  it('tolerates failures up to maxFailureRatio of the slots', () => {
    const svc = service('img:2', { maxFailureRatio: 0.5, order: 'start-first' }, updating());
    const tasks = [failedNew(svc, 1), running(oldSvc, 2), running(oldSvc, 3), running(oldSvc, 4)];
    // 1 failure over 3 live slots = 0.33 <= 0.5: go on.
    expect(statusOf(plan(svc, tasks, T0 + 1000).actions)).toBeUndefined();
    const worse = [...tasks, failedNew(svc, 2), failedNew(svc, 3)];
    expect(statusOf(plan(svc, worse, T0 + 1000).actions)?.status.state).toBe('paused');
  });

  it('continue keeps updating', () => {
    const svc = service('img:2', { failureAction: 'continue', order: 'start-first' }, updating());
    const r = plan(svc, [failedNew(svc, 1), running(oldSvc, 2)], T0 + 1000);
    expect(statusOf(r.actions)).toBeUndefined();
    expect(creates(r.actions)).toEqual([2]);
  });

  it('rollback starts a rollback when there is a previous spec', () => {
    const svc = {
      ...service('img:2', { failureAction: 'rollback' }, updating()),
      previousSpec: oldSvc.spec,
    };
    const r = plan(svc, [failedNew(svc, 1), running(oldSvc, 2)], T0 + 1000);
    const s = statusOf(r.actions);
    expect(s?.rollback).toBe(true);
    expect(s?.status.state).toBe('rollback_started');
    expect(s?.status.message).toMatch(/^update rolled back due to failure/);
    const noPrevious = service('img:2', { failureAction: 'rollback' }, updating());
    expect(
      statusOf(plan(noPrevious, [failedNew(noPrevious, 1)], T0 + 1000).actions)?.status.state,
    ).toBe('paused');
  });

  it('a failing rollback pauses as rollback_paused', () => {
    const status: UpdateStatus = { state: 'rollback_started', startedAt: iso(T0), message: '' };
    const svc = service('img:1', {}, status);
    const r = plan(svc, [failedNew(svc, 1), running(service('img:2'), 2)], T0 + 1000);
    expect(statusOf(r.actions)?.status.state).toBe('rollback_paused');
  });

  it('a paused update replaces nothing more, but finishes slots whose new task runs', () => {
    const svc = service(
      'img:2',
      { order: 'start-first' },
      { state: 'paused', startedAt: iso(T0), message: 'x' },
    );
    const old1 = running(oldSvc, 1);
    const r = plan(svc, [old1, running(svc, 1, T0 + 10), running(oldSvc, 2)], T0 + 1000);
    expect(creates(r.actions)).toEqual([]);
    expect(shutdowns(r.actions)).toEqual([old1.id]);
    expect(statusOf(r.actions)).toBeUndefined();
    expect(r.wakeAt).toBe(Infinity);
  });
});
