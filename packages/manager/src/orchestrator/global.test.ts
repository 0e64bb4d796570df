import { describe, expect, it } from 'vitest';
import type { Node, RestartPolicy, Service, Task, TaskState } from '@swarmlet/api-types';
import { sampleNode, sampleService, sampleTask } from '@swarmlet/store';
import type { OrchestratorAction } from './actions.js';
import { planGlobal } from './global.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const meta = (version = 1) => ({ version, createdAt: new Date(0).toISOString(), updatedAt: '' });

function service(
  o: { constraints?: string[]; restart?: Partial<RestartPolicy>; image?: string } = {},
): Service {
  const s = sampleService('agent', 0).spec;
  return {
    id: 'g',
    meta: meta(10),
    spec: {
      ...s,
      mode: 'global',
      task: {
        ...s.task,
        container: { ...s.task.container, image: o.image ?? s.task.container.image },
        restartPolicy: { ...s.task.restartPolicy, delayMs: 0, ...o.restart },
        ...(o.constraints ? { placement: { constraints: o.constraints } } : {}),
      },
    },
  };
}

function node(
  id: string,
  o: {
    state?: Node['status']['state'];
    availability?: Node['spec']['availability'];
    labels?: Record<string, string>;
  } = {},
): Node {
  const n = sampleNode(id, o.state ?? 'ready');
  return {
    ...n,
    meta: meta(),
    spec: { ...n.spec, availability: o.availability ?? 'active', labels: o.labels ?? {} },
  };
}

let seq = 0;
function task(
  svc: Service,
  nodeId: string,
  state: TaskState = 'running',
  desired: TaskState = 'running',
): Task {
  const t = sampleTask(svc, 0, nodeId);
  return {
    ...t,
    id: `t${++seq}`,
    meta: meta(++seq),
    desiredState: desired,
    status: { ...t.status, state },
  };
}

const nodesOf = (...ns: Node[]) => new Map(ns.map((n) => [n.id, n]));
const plan = (svc: Service, tasks: Task[], nodes: Map<string, Node>) =>
  planGlobal({ service: svc, tasks, nodes, now: T0, restartHistory: () => [] }).actions;
const created = (a: OrchestratorAction[]) =>
  a.flatMap((x) => (x.type === 'create' ? [x.nodeId] : [])).sort();
const stopped = (a: OrchestratorAction[]) =>
  a.flatMap((x) => (x.type === 'set-desired' ? [`${x.taskId}:${x.message}`] : []));

describe('planGlobal', () => {
  it('creates one task per eligible node, for that node, in slot 0', () => {
    const svc = service();
    const actions = plan(svc, [], nodesOf(node('a'), node('b'), node('c')));
    expect(actions).toEqual(
      ['a', 'b', 'c'].map((nodeId) => ({
        type: 'create',
        slot: 0,
        nodeId,
        desiredState: 'running',
        restart: false,
      })),
    );
  });

  it('skips nodes that are down, paused, drained or fail the constraints; unknown nodes get one', () => {
    const svc = service({ constraints: ['node.labels.gpu==yes'] });
    const nodes = nodesOf(
      node('ok', { labels: { gpu: 'yes' } }),
      node('new', { state: 'unknown', labels: { gpu: 'yes' } }),
      node('down', { state: 'down', labels: { gpu: 'yes' } }),
      node('paused', { availability: 'pause', labels: { gpu: 'yes' } }),
      node('drained', { availability: 'drain', labels: { gpu: 'yes' } }),
      node('nolabel'),
    );
    expect(created(plan(svc, [], nodes))).toEqual(['new', 'ok']);
  });

  it('is idempotent: a node with a live task gets nothing, a joining node gets its task', () => {
    const svc = service();
    const tasks = [task(svc, 'a'), task(svc, 'b', 'pending')];
    expect(plan(svc, tasks, nodesOf(node('a'), node('b')))).toEqual([]);
    expect(created(plan(svc, tasks, nodesOf(node('a'), node('b'), node('c'))))).toEqual(['c']);
  });

  it('shuts down the task of a node that is drained, down, removed or loses the label', () => {
    const svc = service({ constraints: ['node.labels.zone==a'] });
    const za = { labels: { zone: 'a' } };
    const [ta, tb, tc, td] = ['a', 'b', 'c', 'd'].map((n) => task(svc, n));
    const nodes = nodesOf(
      node('a', { ...za, availability: 'drain' }),
      node('b', { ...za, state: 'down' }),
      node('d', { labels: { zone: 'b' } }),
    );
    expect(stopped(plan(svc, [ta!, tb!, tc!, td!], nodes))).toEqual([
      `${ta!.id}:node a is drained`,
      `${tb!.id}:node b is down`,
      `${tc!.id}:node c was removed`,
      `${td!.id}:node d no longer meets the constraints`,
    ]);
  });

  it('keeps the task of a paused node', () => {
    const svc = service();
    expect(plan(svc, [task(svc, 'a')], nodesOf(node('a', { availability: 'pause' })))).toEqual([]);
  });

  it('gives a node back its task when it is active again after a drain', () => {
    const svc = service();
    const old = task(svc, 'a', 'shutdown', 'shutdown');
    expect(created(plan(svc, [old], nodesOf(node('a'))))).toEqual(['a']);
  });

  it('restarts an ended task on its node per the restart policy', () => {
    const svc = service();
    const dead = task(svc, 'a', 'failed');
    const actions = plan(svc, [dead], nodesOf(node('a')));
    expect(stopped(actions)).toEqual([`${dead.id}:task ended: failed`]);
    expect(actions).toContainEqual({
      type: 'create',
      slot: 0,
      nodeId: 'a',
      desiredState: 'running',
      restart: true,
    });
  });

  it('leaves a node finished when the task ended on its own and may not restart', () => {
    const svc = service({ restart: { condition: 'none' } });
    const ended = task(svc, 'a', 'complete');
    expect(created(plan(svc, [ended], nodesOf(node('a'))))).toEqual([]);
    const acked = task(svc, 'a', 'complete', 'shutdown');
    expect(plan(svc, [acked], nodesOf(node('a')))).toEqual([]);
  });

  it('rolls an update node by node (stop-first by default)', () => {
    const svc = service({ image: 'img:2' });
    const olds = ['a', 'b'].map((n) => task(service(), n));
    const actions = plan(
      {
        ...svc,
        updateStatus: { state: 'updating', startedAt: new Date(T0).toISOString(), message: '' },
      },
      olds,
      nodesOf(node('a'), node('b')),
    );
    expect(stopped(actions)).toEqual([`${olds[0]!.id}:shut down for a stop-first update`]);
    expect(actions).toContainEqual({
      type: 'create',
      slot: 0,
      nodeId: 'a',
      desiredState: 'ready',
      restart: false,
      waitsForSlot: true,
    });
  });
});
