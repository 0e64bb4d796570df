import { describe, expect, it } from 'vitest';
import {
  taskStateRank,
  type Node,
  type RestartPolicy,
  type Service,
  type Task,
  type TaskState,
} from '@swarmlet/api-types';
import { sampleService, sampleTask } from '@swarmlet/store';
import type { OrchestratorAction } from './actions.js';
import {
  isRunnable,
  reconcileDeleted,
  reconcileReplicated,
  type ReconcileInput,
} from './replicated.js';

const NOW = 1_000_000;
const SPEC_VERSION = 10;

function service(
  replicas: number,
  policy: Partial<RestartPolicy> = {},
  version = SPEC_VERSION,
): Service {
  const base = sampleService('web', replicas);
  const restartPolicy = { ...base.spec.task.restartPolicy, ...policy };
  return {
    id: 'svc',
    meta: { version, createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString() },
    spec: { ...base.spec, task: { ...base.spec.task, restartPolicy } },
  };
}

interface TaskOpts {
  id?: string;
  state?: TaskState;
  desired?: TaskState;
  node?: string;
  version?: number;
  /** Another version than the service's: the task runs an older spec (another image). */
  specVersion?: number;
}

let seq = 0;
function task(svc: Service, slot: number, o: TaskOpts = {}): Task {
  const base = sampleTask(svc, slot, o.node ?? '');
  const version = o.version ?? ++seq;
  const older = o.specVersion !== undefined && o.specVersion !== svc.meta.version;
  const c = base.spec.container;
  return {
    ...base,
    spec: older ? { ...base.spec, container: { ...c, image: `${c.image}-old` } } : base.spec,
    id: o.id ?? `t${++seq}`,
    meta: { version, createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString() },
    specVersion: o.specVersion ?? svc.meta.version,
    desiredState: o.desired ?? 'running',
    status: { ...base.status, state: o.state ?? 'running' },
  };
}

function node(
  id: string,
  state: Node['status']['state'] = 'ready',
  availability: Node['spec']['availability'] = 'active',
): Node {
  return {
    id,
    meta: { version: 1, createdAt: '', updatedAt: '' },
    spec: { role: 'worker', availability, labels: {} },
    description: {
      hostname: id,
      platform: { os: 'linux', arch: 'x86_64' },
      resources: { nanoCpus: 0, memoryBytes: 0 },
      engine: { version: '', labels: {} },
    },
    status: { state, message: '', addr: '' },
  };
}

const readyNodes = (...ids: string[]): Map<string, Node> =>
  new Map(ids.map((id) => [id, node(id)]));

function reconcile(
  svc: Service,
  tasks: Task[],
  opts: Partial<ReconcileInput> = {},
): OrchestratorAction[] {
  return reconcileReplicated({
    service: svc,
    tasks,
    nodes: readyNodes('n1', 'n2', 'n3'),
    now: NOW,
    restartHistory: () => [],
    ...opts,
  });
}

/** A tiny store: applies actions the way the orchestrator does (desired state only moves forward). */
function applyAll(
  svc: Service,
  tasks: readonly Task[],
  actions: readonly OrchestratorAction[],
): Task[] {
  let version = Math.max(0, ...tasks.map((t) => t.meta.version));
  const out = [...tasks];
  for (const a of actions) {
    if (a.type === 'create') {
      out.push(task(svc, a.slot, { desired: a.desiredState, state: 'new', version: ++version }));
    } else if (a.type === 'set-desired') {
      const i = out.findIndex((t) => t.id === a.taskId);
      const t = out[i];
      if (!t || taskStateRank(t.desiredState) >= taskStateRank(a.desiredState)) continue;
      out[i] = { ...t, desiredState: a.desiredState, meta: { ...t.meta, version: ++version } };
    } else if (a.type === 'delete') {
      const i = out.findIndex((t) => t.id === a.taskId);
      if (i >= 0) out.splice(i, 1);
    }
  }
  return out;
}

const creates = (actions: OrchestratorAction[]) =>
  actions.filter((a): a is Extract<OrchestratorAction, { type: 'create' }> => a.type === 'create');
const desired = (actions: OrchestratorAction[], state: TaskState) =>
  actions
    .filter(
      (a): a is Extract<OrchestratorAction, { type: 'set-desired' }> =>
        a.type === 'set-desired' && a.desiredState === state,
    )
    .map((a) => a.taskId)
    .sort();
const slotsOf = (tasks: Task[], ids: string[]) =>
  ids.map((id) => tasks.find((t) => t.id === id)?.slot).sort();

function expectIdempotent(svc: Service, tasks: Task[], opts: Partial<ReconcileInput> = {}): Task[] {
  const after = applyAll(svc, tasks, reconcile(svc, tasks, opts));
  expect(reconcile(svc, after, opts)).toEqual([]);
  return after;
}

describe('reconcileReplicated: scale up', () => {
  it('creates slots 1..n from nothing, desired running, starting now', () => {
    const actions = reconcile(service(3), []);
    expect(actions).toEqual(
      [1, 2, 3].map((slot) => ({
        type: 'create',
        slot,
        desiredState: 'running',
        restart: false,
      })),
    );
  });

  it('fills the lowest free slots', () => {
    const svc = service(4);
    const actions = reconcile(svc, [task(svc, 2), task(svc, 5)]);
    expect(creates(actions).map((a) => a.slot)).toEqual([1, 3]);
  });

  it('does nothing when every slot has a live task', () => {
    const svc = service(3);
    const tasks = [
      task(svc, 1),
      task(svc, 2, { state: 'pending' }),
      task(svc, 3, { state: 'new', desired: 'ready' }),
    ];
    expect(reconcile(svc, tasks)).toEqual([]);
  });

  it('does nothing for zero replicas and no tasks', () => {
    expect(reconcile(service(0), [])).toEqual([]);
  });

  it('reuses a slot whose tasks are all being removed', () => {
    const svc = service(2);
    const tasks = [task(svc, 1), task(svc, 2, { desired: 'remove', state: 'running' })];
    expect(creates(reconcile(svc, tasks)).map((a) => a.slot)).toEqual([2]);
  });
});

describe('reconcileReplicated: scale down', () => {
  it('removes the highest slots when all run evenly', () => {
    const svc = service(1);
    const tasks = [
      task(svc, 1, { node: 'n1' }),
      task(svc, 2, { node: 'n2' }),
      task(svc, 3, { node: 'n3' }),
    ];
    const actions = reconcile(svc, tasks);
    expect(slotsOf(tasks, desired(actions, 'remove'))).toEqual([2, 3]);
    expect(
      actions.every((a) => a.type === 'set-desired' && a.message === 'service scaled down'),
    ).toBe(true);
  });

  it('removes slots without a running task first', () => {
    const svc = service(2);
    const tasks = [
      task(svc, 1, { state: 'pending' }),
      task(svc, 2, { node: 'n1' }),
      task(svc, 3, { node: 'n2' }),
    ];
    expect(slotsOf(tasks, desired(reconcile(svc, tasks), 'remove'))).toEqual([1]);
  });

  it('counts a task not yet running as non-running even on a node', () => {
    const svc = service(2);
    const tasks = [
      task(svc, 1, { node: 'n1' }),
      task(svc, 2, { node: 'n1', state: 'preparing' }),
      task(svc, 3, { node: 'n2' }),
    ];
    expect(slotsOf(tasks, desired(reconcile(svc, tasks), 'remove'))).toEqual([2]);
  });

  it('then removes from the busiest node, highest slot first', () => {
    const svc = service(3);
    const tasks = [
      task(svc, 1, { node: 'n2' }),
      task(svc, 2, { node: 'n1' }),
      task(svc, 3, { node: 'n1' }),
      task(svc, 4, { node: 'n1' }),
      task(svc, 5, { node: 'n3' }),
    ];
    expect(slotsOf(tasks, desired(reconcile(svc, tasks), 'remove'))).toEqual([3, 4]);
  });

  it('removes finished slots before running ones', () => {
    const svc = service(2, { condition: 'none' });
    const tasks = [
      task(svc, 1, { node: 'n1' }),
      task(svc, 2, { node: 'n1', state: 'complete', desired: 'shutdown' }),
      task(svc, 3, { node: 'n2' }),
    ];
    expect(slotsOf(tasks, desired(reconcile(svc, tasks), 'remove'))).toEqual([2]);
  });

  it('marks every task of a removed slot, history included, and never moves desired state backwards', () => {
    const svc = service(1);
    const tasks = [
      task(svc, 1, { node: 'n1' }),
      task(svc, 2, { id: 'old', node: 'n1', state: 'failed', desired: 'shutdown' }),
      task(svc, 2, { id: 'gone', node: 'n1', state: 'failed', desired: 'remove' }),
      task(svc, 2, { id: 'cur', node: 'n2' }),
    ];
    const actions = reconcile(svc, tasks);
    expect(desired(actions, 'remove')).toEqual(['cur', 'old']);
    expect(actions).toHaveLength(2);
  });

  it('scales to zero', () => {
    const svc = service(0);
    const tasks = [
      task(svc, 1, { id: 'a' }),
      task(svc, 2, { id: 'b', state: 'new', desired: 'ready' }),
    ];
    expect(desired(reconcile(svc, tasks), 'remove')).toEqual(['a', 'b']);
    expectIdempotent(svc, tasks);
  });

  it('does not restart a slot it removes in the same pass', () => {
    const svc = service(2);
    const tasks = [
      task(svc, 1, { node: 'n1' }),
      task(svc, 2, { id: 'dead', node: 'n2', state: 'failed' }),
      task(svc, 3, { node: 'n3' }),
    ];
    const actions = reconcile(svc, tasks);
    expect(desired(actions, 'remove')).toEqual(['dead']);
    expect(creates(actions)).toEqual([]);
    expectIdempotent(svc, tasks);
  });
});

describe('reconcileReplicated: ended tasks', () => {
  const ENDED: TaskState[] = ['failed', 'complete', 'rejected', 'shutdown', 'orphaned'];

  it.each(ENDED)('acknowledges a %s task and restarts its slot under condition any', (state) => {
    const svc = service(2);
    const tasks = [task(svc, 1, { node: 'n1' }), task(svc, 2, { id: 'x', node: 'n1', state })];
    expect(reconcile(svc, tasks)).toEqual([
      {
        type: 'set-desired',
        taskId: 'x',
        desiredState: 'shutdown',
        message: `task ended: ${state}`,
      },
      { type: 'create', slot: 2, desiredState: 'running', restart: true },
    ]);
    expectIdempotent(svc, tasks);
  });

  it.each(['new', 'pending'] as const)(
    'does not treat a %s task as ended when its node is down',
    (state) => {
      const svc = service(1);
      const tasks = [task(svc, 1, { node: 'n1', state })];
      expect(reconcile(svc, tasks, { nodes: new Map([['n1', node('n1', 'down')]]) })).toEqual([]);
    },
  );

  it('leaves acknowledged history alone', () => {
    const svc = service(1);
    const tasks = [task(svc, 1, { state: 'failed', desired: 'shutdown' }), task(svc, 1)];
    expect(reconcile(svc, tasks)).toEqual([]);
  });

  describe('condition on-failure', () => {
    const svc = service(1, { condition: 'on-failure' });
    it.each(['failed', 'rejected', 'shutdown', 'orphaned'] as const)(
      'restarts a %s task',
      (state) => {
        expect(creates(reconcile(svc, [task(svc, 1, { state })]))).toHaveLength(1);
      },
    );
    it('restarts a task whose node went down', () => {
      const nodes = new Map([['n1', node('n1', 'down')]]);
      expect(creates(reconcile(svc, [task(svc, 1, { node: 'n1' })], { nodes }))).toHaveLength(1);
    });
    it('does not restart a completed task, and the finished slot still counts', () => {
      const tasks = [task(svc, 1, { id: 'x', state: 'complete' })];
      expect(reconcile(svc, tasks)).toEqual([
        {
          type: 'set-desired',
          taskId: 'x',
          desiredState: 'shutdown',
          message: 'task ended: complete',
        },
      ]);
      expectIdempotent(svc, tasks);
    });
  });

  describe('condition none', () => {
    const svc = service(2, { condition: 'none' });
    it.each(ENDED)('never restarts a %s task and does not refill its slot', (state) => {
      const tasks = [task(svc, 1), task(svc, 2, { id: 'x', state })];
      expect(reconcile(svc, tasks)).toEqual([
        {
          type: 'set-desired',
          taskId: 'x',
          desiredState: 'shutdown',
          message: `task ended: ${state}`,
        },
      ]);
      expectIdempotent(svc, tasks);
    });
    it('still replaces a task whose node went down: it did not end, it was lost', () => {
      const nodes = new Map([['n1', node('n1', 'down')]]);
      const tasks = [task(svc, 1), task(svc, 2, { node: 'n1' })];
      expect(creates(reconcile(svc, tasks, { nodes }))).toEqual([
        { type: 'create', slot: 2, desiredState: 'running', restart: false },
      ]);
      expectIdempotent(svc, tasks, { nodes });
    });
  });

  it('holds a delayed restart in desired ready', () => {
    const svc = service(1, { delayMs: 5_000 });
    const tasks = [task(svc, 1, { id: 'x', state: 'failed' })];
    expect(creates(reconcile(svc, tasks))).toEqual([
      { type: 'create', slot: 1, desiredState: 'ready', restart: true },
    ]);
    expectIdempotent(svc, tasks);
  });

  describe('max attempts', () => {
    const svc = service(1, { maxAttempts: 2, windowMs: 10_000 });
    const failed = (): Task[] => [task(svc, 1, { state: 'failed' })];

    it('restarts while under the limit', () => {
      expect(creates(reconcile(svc, failed(), { restartHistory: () => [NOW - 1] }))).toHaveLength(
        1,
      );
    });

    it('stops restarting at the limit and keeps the slot finished', () => {
      const restartHistory = (): number[] => [NOW - 2, NOW - 1];
      const tasks = failed();
      expect(creates(reconcile(svc, tasks, { restartHistory }))).toEqual([]);
      expectIdempotent(svc, tasks, { restartHistory });
    });

    it('counts only restarts within the window', () => {
      expect(
        creates(reconcile(svc, failed(), { restartHistory: () => [NOW - 20_000, NOW - 1] })),
      ).toHaveLength(1);
    });

    it('asks for the history of the ended task’s slot', () => {
      const asked: number[] = [];
      const svc3 = service(3, { maxAttempts: 1 });
      reconcile(svc3, [task(svc3, 1), task(svc3, 2, { state: 'failed' }), task(svc3, 3)], {
        restartHistory: (slot) => (asked.push(slot), []),
      });
      expect(asked).toEqual([2]);
    });
  });
});

describe('reconcileReplicated: tasks of unavailable nodes', () => {
  const cases: [string, Map<string, Node>, string][] = [
    ['down', new Map([['n1', node('n1', 'down')]]), 'node n1 is down'],
    ['drained', new Map([['n1', node('n1', 'ready', 'drain')]]), 'node n1 is drained'],
    ['missing', new Map<string, Node>(), 'node n1 was removed'],
  ];

  it.each(cases)(
    'shuts down an active task on a %s node and replaces it in its slot at once, not as a restart',
    (_name, nodes, message) => {
      const svc = service(1);
      const tasks = [task(svc, 1, { id: 'x', node: 'n1', state: 'running' })];
      expect(reconcile(svc, tasks, { nodes })).toEqual([
        { type: 'set-desired', taskId: 'x', desiredState: 'shutdown', message },
        { type: 'create', slot: 1, desiredState: 'running', restart: false },
      ]);
      expectIdempotent(svc, tasks, { nodes });
    },
  );

  it.each(['assigned', 'accepted', 'preparing', 'starting'] as const)(
    'moves a %s task off a drained node',
    (state) => {
      const svc = service(1);
      const nodes = new Map([['n1', node('n1', 'ready', 'drain')]]);
      const actions = reconcile(svc, [task(svc, 1, { id: 'x', node: 'n1', state })], { nodes });
      expect(desired(actions, 'shutdown')).toEqual(['x']);
      expect(creates(actions)).toEqual([
        { type: 'create', slot: 1, desiredState: 'running', restart: false },
      ]);
    },
  );

  it('ignores the restart delay and a used-up max attempts budget', () => {
    const svc = service(1, { delayMs: 60_000, maxAttempts: 1 });
    const nodes = new Map([['n1', node('n1', 'down')]]);
    const restartHistory = (): number[] => [NOW - 1];
    const tasks = [task(svc, 1, { node: 'n1' })];
    expect(creates(reconcile(svc, tasks, { nodes, restartHistory }))).toEqual([
      { type: 'create', slot: 1, desiredState: 'running', restart: false },
    ]);
    expectIdempotent(svc, tasks, { nodes, restartHistory });
  });

  it('replaces under every restart condition', () => {
    const nodes = new Map([['n1', node('n1', 'ready', 'drain')]]);
    for (const condition of ['any', 'on-failure', 'none'] as const) {
      const svc = service(1, { condition });
      expect(creates(reconcile(svc, [task(svc, 1, { node: 'n1' })], { nodes })), condition).toEqual(
        [{ type: 'create', slot: 1, desiredState: 'running', restart: false }],
      );
    }
  });

  it('keeps a held restart held in its replacement', () => {
    const svc = service(1, { delayMs: 5_000 });
    const nodes = new Map([['n1', node('n1', 'down')]]);
    const tasks = [task(svc, 1, { node: 'n1', state: 'ready', desired: 'ready' })];
    expect(creates(reconcile(svc, tasks, { nodes }))).toEqual([
      { type: 'create', slot: 1, desiredState: 'ready', restart: false },
    ]);
  });

  it('treats a task that already ended on a down node as ended, under the restart policy', () => {
    const svc = service(1, { condition: 'none' });
    const nodes = new Map([['n1', node('n1', 'down')]]);
    const tasks = [task(svc, 1, { id: 'x', node: 'n1', state: 'failed' })];
    expect(reconcile(svc, tasks, { nodes })).toEqual([
      { type: 'set-desired', taskId: 'x', desiredState: 'shutdown', message: 'task ended: failed' },
    ]);
  });

  it.each(['new', 'pending'] as const)(
    'does not treat a %s task as displaced when its node is down',
    (state) => {
      const svc = service(1);
      const tasks = [task(svc, 1, { node: 'n1', state })];
      expect(reconcile(svc, tasks, { nodes: new Map([['n1', node('n1', 'down')]]) })).toEqual([]);
    },
  );

  it.each([
    ['unknown', node('n1', 'unknown')],
    ['disconnected', node('n1', 'disconnected')],
    ['paused', node('n1', 'ready', 'pause')],
    ['paused and unknown', node('n1', 'unknown', 'pause')],
  ])('keeps the tasks of a %s node', (_name, n1) => {
    const svc = service(2);
    const tasks = [task(svc, 1, { node: 'n1' }), task(svc, 2, { node: 'n1', state: 'starting' })];
    expect(reconcile(svc, tasks, { nodes: new Map([['n1', n1]]) })).toEqual([]);
  });

  it('moves only the tasks of the unavailable node', () => {
    const svc = service(4);
    const nodes = new Map([
      ['n1', node('n1')],
      ['n2', node('n2', 'ready', 'drain')],
    ]);
    const tasks = [1, 2, 3, 4].map((slot) =>
      task(svc, slot, { id: `s${slot}`, node: slot % 2 ? 'n1' : 'n2' }),
    );
    const actions = reconcile(svc, tasks, { nodes });
    expect(desired(actions, 'shutdown')).toEqual(['s2', 's4']);
    expect(creates(actions).map((a) => a.slot)).toEqual([2, 4]);
    expectIdempotent(svc, tasks, { nodes });
  });

  it('does not replace a displaced task whose slot already has a live replacement', () => {
    const svc = service(1);
    const nodes = new Map([
      ['n1', node('n1', 'down')],
      ['n2', node('n2')],
    ]);
    const tasks = [task(svc, 1, { id: 'old', node: 'n1' }), task(svc, 1, { node: 'n2' })];
    expect(reconcile(svc, tasks, { nodes })).toEqual([
      { type: 'set-desired', taskId: 'old', desiredState: 'shutdown', message: 'node n1 is down' },
    ]);
  });

  it('leaves a moved task alone once its node is back: the replacement keeps the slot', () => {
    const svc = service(1);
    const tasks = [
      task(svc, 1, { id: 'old', node: 'n1', desired: 'shutdown', version: 1 }),
      task(svc, 1, { id: 'new', node: 'n2', version: 2 }),
    ];
    expect(reconcile(svc, tasks)).toEqual([]);
  });

  it.each(cases)(
    'refills the slot of a task already shut down on a %s node (node removal does that)',
    (_name, nodes) => {
      const svc = service(2, { condition: 'none' });
      const tasks = [
        task(svc, 1, { node: 'n2' }),
        task(svc, 2, { id: 'x', node: 'n1', state: 'running', desired: 'shutdown' }),
      ];
      const all = new Map([...nodes, ['n2', node('n2')]]);
      expect(reconcile(svc, tasks, { nodes: all })).toEqual([
        { type: 'create', slot: 2, desiredState: 'running', restart: false },
      ]);
      expectIdempotent(svc, tasks, { nodes: all });
    },
  );

  it('still counts a slot whose task was shut down on an available node as finished', () => {
    const svc = service(2, { condition: 'none' });
    const tasks = [
      task(svc, 1),
      task(svc, 2, { node: 'n1', state: 'running', desired: 'shutdown' }),
    ];
    expect(reconcile(svc, tasks)).toEqual([]);
  });
});

describe('reconcileReplicated: finished slots', () => {
  it('counts a slot whose newest task ended under the current spec', () => {
    const svc = service(2, { condition: 'none' });
    const tasks = [task(svc, 1), task(svc, 2, { state: 'complete', desired: 'shutdown' })];
    expect(reconcile(svc, tasks)).toEqual([]);
  });

  it('refills a finished slot after a spec change', () => {
    const svc = service(2, { condition: 'none' });
    const tasks = [
      task(svc, 1),
      task(svc, 2, { state: 'complete', desired: 'shutdown', specVersion: SPEC_VERSION - 1 }),
    ];
    expect(creates(reconcile(svc, tasks))).toEqual([
      { type: 'create', slot: 2, desiredState: 'running', restart: false },
    ]);
    expectIdempotent(svc, tasks);
  });

  it('refills at once a slot whose task ended under an older spec', () => {
    const svc = service(1, { condition: 'none' });
    const tasks = [task(svc, 1, { id: 'x', state: 'complete', specVersion: SPEC_VERSION - 1 })];
    const actions = reconcile(svc, tasks);
    expect(desired(actions, 'shutdown')).toEqual(['x']);
    expect(creates(actions)).toEqual([
      { type: 'create', slot: 1, desiredState: 'running', restart: false },
    ]);
    expectIdempotent(svc, tasks);
  });

  it('judges a slot by its newest task only', () => {
    const svc = service(1, { condition: 'none' });
    const older = task(svc, 1, { state: 'complete', desired: 'shutdown', version: 5 });
    const newer = task(svc, 1, {
      state: 'complete',
      desired: 'shutdown',
      version: 6,
      specVersion: SPEC_VERSION - 1,
    });
    expect(creates(reconcile(svc, [older, newer]))).toHaveLength(1);
    const reversed = task(svc, 1, {
      state: 'complete',
      desired: 'shutdown',
      version: 4,
      specVersion: SPEC_VERSION - 1,
    });
    expect(reconcile(svc, [reversed, older])).toEqual([]);
  });
});

describe('reconcileReplicated: several runnable tasks in one slot', () => {
  it.each([
    ['ended first', ['dead', 'live']],
    ['live first', ['live', 'dead']],
  ])('does not restart a slot that still has a live task (%s)', (_name, order) => {
    const svc = service(1);
    const byId: Record<string, Task> = {
      dead: task(svc, 1, { id: 'dead', state: 'failed' }),
      live: task(svc, 1, { id: 'live' }),
    };
    const tasks = order.map((id) => byId[id]!);
    expect(reconcile(svc, tasks)).toEqual([
      {
        type: 'set-desired',
        taskId: 'dead',
        desiredState: 'shutdown',
        message: 'task ended: failed',
      },
    ]);
    expectIdempotent(svc, tasks);
  });

  it('restarts a slot with two ended tasks once', () => {
    const svc = service(1);
    const tasks = [
      task(svc, 1, { id: 'a', state: 'failed' }),
      task(svc, 1, { id: 'b', state: 'rejected' }),
    ];
    const actions = reconcile(svc, tasks);
    expect(desired(actions, 'shutdown')).toEqual(['a', 'b']);
    expect(creates(actions)).toHaveLength(1);
    expectIdempotent(svc, tasks);
  });
});

describe('reconcileReplicated: idempotence over generated clusters', () => {
  // A small deterministic PRNG (mulberry32) so every run checks the same cases.
  function rng(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const STATES: TaskState[] = [
    'new',
    'pending',
    'assigned',
    'preparing',
    'running',
    'complete',
    'failed',
    'rejected',
    'shutdown',
    'orphaned',
  ];
  const DESIRED: TaskState[] = ['ready', 'running', 'running', 'running', 'shutdown', 'remove'];
  const CONDITIONS = ['any', 'on-failure', 'none'] as const;

  it('converges in one pass: reconciling the result yields no actions and exactly `replicas` slots', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const r = rng(seed);
      const svc = service(Math.floor(r() * 6), {
        condition: pick(r, CONDITIONS),
        delayMs: pick(r, [0, 1000]),
        maxAttempts: pick(r, [0, 1, 3]),
      });
      const nodes = new Map([
        ['n1', node('n1')],
        [
          'n2',
          node('n2', pick(r, ['ready', 'down'] as const), pick(r, ['active', 'drain'] as const)),
        ],
      ]);
      const tasks: Task[] = [];
      const n = Math.floor(r() * 10);
      // One spec version per slot: which of two ended tasks of different specs is "newest" after
      // both are acknowledged depends on the order of the writes.
      const specOfSlot = [0, 1, 2, 3, 4, 5, 6].map(() => pick(r, [SPEC_VERSION, SPEC_VERSION - 1]));
      for (let i = 0; i < n; i++) {
        const state = pick(r, STATES);
        const onNode = taskStateRank(state) >= taskStateRank('assigned');
        const slot = 1 + Math.floor(r() * 6);
        tasks.push(
          task(svc, slot, {
            state,
            desired: pick(r, DESIRED),
            node: onNode ? pick(r, ['n1', 'n2', 'n9']) : '',
            specVersion: specOfSlot[slot],
          }),
        );
      }
      const history = pick(r, [[], [NOW - 1], [NOW - 3, NOW - 2, NOW - 1]]);
      const opts = { nodes, restartHistory: () => history };
      const after = applyAll(svc, tasks, reconcile(svc, tasks, opts));
      expect({ seed, actions: reconcile(svc, after, opts) }).toEqual({ seed, actions: [] });
      const occupied = new Set(
        after.filter((t) => isRunnable(t) || t.desiredState === 'shutdown').map((t) => t.slot),
      );
      const live = new Set(after.filter(isRunnable).map((t) => t.slot));
      expect(live.size, `seed ${seed}`).toBeLessThanOrEqual(svc.spec.replicas);
      expect(occupied.size, `seed ${seed}`).toBeGreaterThanOrEqual(svc.spec.replicas);
    }
  });
});

describe('reconcileDeleted', () => {
  it('removes every task not already being removed', () => {
    const svc = service(1);
    const tasks = [
      task(svc, 1, { id: 'a' }),
      task(svc, 1, { id: 'b', state: 'failed', desired: 'shutdown' }),
      task(svc, 2, { id: 'c', desired: 'remove' }),
      task(svc, 3, { id: 'd', state: 'new', desired: 'ready' }),
    ];
    expect(reconcileDeleted(tasks)).toEqual(
      ['a', 'b', 'd'].map((taskId) => ({
        type: 'set-desired',
        taskId,
        desiredState: 'remove',
        message: 'service removed',
      })),
    );
  });

  it('returns nothing for no tasks', () => {
    expect(reconcileDeleted([])).toEqual([]);
  });
});
