import { describe, expect, it } from 'vitest';
import type {
  Node,
  RestartPolicy,
  Service,
  ServiceMode,
  Task,
  TaskState,
} from '@swarmlet/api-types';
import { sampleNode, sampleService, sampleTask } from '@swarmlet/store';
import type { OrchestratorAction } from './actions.js';
import { jobProgress, planJob } from './jobs.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const meta = (version = 1) => ({ version, createdAt: iso(0), updatedAt: '' });

function job(
  o: {
    mode?: ServiceMode;
    replicas?: number;
    maxConcurrent?: number;
    iteration?: number;
    restart?: Partial<RestartPolicy>;
  } = {},
): Service {
  const s = sampleService('migrate', o.replicas ?? 5).spec;
  return {
    id: 'j',
    meta: meta(10),
    jobIteration: o.iteration ?? 0,
    spec: {
      ...s,
      mode: o.mode ?? 'replicated-job',
      ...(o.maxConcurrent !== undefined ? { maxConcurrent: o.maxConcurrent } : {}),
      task: {
        ...s.task,
        restartPolicy: {
          condition: 'on-failure',
          delayMs: 0,
          maxAttempts: 2,
          windowMs: 0,
          ...o.restart,
        },
      },
    },
  };
}

const nodes = (...ids: string[]): Map<string, Node> =>
  new Map(ids.map((id) => [id, { ...sampleNode(id), meta: meta() }]));

let seq = 0;
function task(
  svc: Service,
  slot: number,
  state: TaskState,
  o: { node?: string; desired?: TaskState; iteration?: number; at?: number; err?: string } = {},
): Task {
  const t = sampleTask(svc, slot, o.node ?? 'a');
  return {
    ...t,
    id: `t${++seq}`,
    meta: meta(++seq),
    jobIteration: o.iteration ?? svc.jobIteration ?? 0,
    desiredState: o.desired ?? (['complete', 'failed'].includes(state) ? 'shutdown' : 'running'),
    status: { ...t.status, state, timestamp: iso(o.at ?? T0 - 60_000), err: o.err ?? '' },
  };
}

const plan = (svc: Service, tasks: Task[], ns = nodes('a', 'b'), now = T0) =>
  planJob({ service: svc, tasks, nodes: ns, now });
const slots = (a: OrchestratorAction[]) => a.flatMap((x) => (x.type === 'create' ? [x.slot] : []));

describe('planJob: replicated jobs', () => {
  it('starts min(replicas, maxConcurrent) tasks of the current iteration', () => {
    const r = plan(job({ replicas: 5, maxConcurrent: 2, iteration: 3 }), []);
    expect(r.actions).toEqual(
      [1, 2].map((slot) => ({
        type: 'create',
        slot,
        desiredState: 'running',
        restart: false,
        jobIteration: 3,
      })),
    );
  });

  it('defaults maxConcurrent to replicas', () => {
    expect(slots(plan(job({ replicas: 3 }), []).actions)).toEqual([1, 2, 3]);
  });

  it('keeps maxConcurrent running until replicas completions, then stops', () => {
    const svc = job({ replicas: 4, maxConcurrent: 2 });
    const tasks = [task(svc, 1, 'complete'), task(svc, 2, 'running'), task(svc, 3, 'complete')];
    // 2 done + 1 running = 3 of 4: one more slot, and room for one more concurrent task.
    expect(slots(plan(svc, tasks).actions)).toEqual([4]);
    const all = [...tasks, task(svc, 4, 'complete'), task(svc, 2, 'complete')];
    const done = all.filter((t) => t.status.state === 'complete');
    expect(slots(plan(svc, done).actions)).toEqual([]);
    expect(jobProgress(svc, done, nodes('a')).state).toBe('completed');
  });

  it('acknowledges ended tasks and retries failures within the backoff limit', () => {
    const svc = job({ replicas: 1 });
    const failed = task(svc, 1, 'failed', { desired: 'running', err: 'exit 3' });
    const r = plan(svc, [failed]);
    expect(r.actions).toContainEqual({
      type: 'set-desired',
      taskId: failed.id,
      desiredState: 'shutdown',
      message: 'task ended: failed',
    });
    expect(slots(r.actions)).toEqual([1]);
  });

  it('waits the restart delay after the latest failure before a retry', () => {
    const svc = job({ replicas: 1, restart: { delayMs: 5000 } });
    const failed = task(svc, 1, 'failed', { at: T0 - 1000 });
    const early = plan(svc, [failed]);
    expect(slots(early.actions)).toEqual([]);
    expect(early.wakeAt).toBe(T0 + 4000);
    expect(slots(plan(svc, [failed], nodes('a'), T0 + 4000).actions)).toEqual([1]);
  });

  it('fails the job past the backoff limit, stops its tasks and says why', () => {
    const svc = job({ replicas: 2, restart: { maxAttempts: 1 } });
    const f1 = task(svc, 1, 'failed', { at: T0 - 3000, err: 'exit 1' });
    const f2 = task(svc, 1, 'failed', { at: T0 - 2000, err: 'exit 2' });
    const live = task(svc, 2, 'running');
    const r = plan(svc, [f1, f2, live]);
    expect(slots(r.actions)).toEqual([]);
    const p = jobProgress(svc, [f1, f2, live], nodes('a'));
    expect(p.state).toBe('failed');
    expect(p.message).toBe('job failed: 2 tasks failed (backoff limit 1); last: exit 2');
    expect(r.actions).toContainEqual({
      type: 'set-desired',
      taskId: live.id,
      desiredState: 'shutdown',
      message: p.message,
    });
  });

  it('with restart condition none, the first failure fails the job', () => {
    const svc = job({ replicas: 2, restart: { condition: 'none', maxAttempts: 5 } });
    expect(jobProgress(svc, [task(svc, 1, 'failed')], nodes('a')).state).toBe('failed');
  });

  it('shuts down tasks of an older iteration and starts the new one', () => {
    const svc = job({ replicas: 1, iteration: 2 });
    const old = task(svc, 1, 'running', { iteration: 1 });
    const r = plan(svc, [old, task(svc, 1, 'complete', { iteration: 1 })]);
    expect(r.actions).toContainEqual({
      type: 'set-desired',
      taskId: old.id,
      desiredState: 'shutdown',
      message: 'superseded by job iteration 2',
    });
    expect(slots(r.actions)).toEqual([1]);
  });

  it('replaces a task lost with its node without counting a failure', () => {
    const svc = job({ replicas: 1, restart: { maxAttempts: 0, condition: 'none' } });
    const lost = task(svc, 1, 'running', { node: 'gone' });
    const r = plan(svc, [lost]);
    expect(r.actions).toContainEqual({
      type: 'set-desired',
      taskId: lost.id,
      desiredState: 'shutdown',
      message: 'node gone was removed',
    });
    expect(slots(r.actions)).toEqual([1]);
  });
});

describe('planJob: global jobs', () => {
  it('runs once on every eligible node, including nodes that join later', () => {
    const svc = job({ mode: 'global-job' });
    const r = plan(svc, [], nodes('a', 'b'));
    expect(r.actions.flatMap((x) => (x.type === 'create' ? [x.nodeId] : []))).toEqual(['a', 'b']);
    const doneA = task(svc, 0, 'complete', { node: 'a' });
    const runB = task(svc, 0, 'running', { node: 'b' });
    const later = plan(svc, [doneA, runB], nodes('a', 'b', 'c'));
    expect(later.actions.flatMap((x) => (x.type === 'create' ? [x.nodeId] : []))).toEqual(['c']);
    expect(jobProgress(svc, [doneA, runB], nodes('a', 'b', 'c'))).toMatchObject({
      state: 'running',
      completed: 1,
      desired: 3,
    });
  });

  it('completes when every eligible node completed', () => {
    const svc = job({ mode: 'global-job' });
    const done = ['a', 'b'].map((n) => task(svc, 0, 'complete', { node: n }));
    expect(jobProgress(svc, done, nodes('a', 'b')).state).toBe('completed');
    expect(plan(svc, done).actions).toEqual([]);
  });
});
