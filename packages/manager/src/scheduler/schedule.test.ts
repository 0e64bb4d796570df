import { hostPortsOf } from './scheduler.js';
import { describe, expect, it } from 'vitest';
import type { Node, Resources, Service, Task, TaskState } from '@swarmlet/api-types';
import { sampleService, sampleTask } from '@swarmlet/store';
import {
  DEFAULT_FILTERS,
  availabilityFilter,
  cpuFilter,
  memoryFilter,
  readyFilter,
  type Filter,
  type NodeInfo,
} from './filters.js';
import { noSuitableNode, scheduleTasks, type Decision } from './schedule.js';

const GB = 1024 ** 3;

function node(
  id: string,
  o: {
    state?: Node['status']['state'];
    availability?: Node['spec']['availability'];
    resources?: Resources;
  } = {},
): Node {
  return {
    id,
    meta: { version: 1, createdAt: '', updatedAt: '' },
    spec: { role: 'worker', availability: o.availability ?? 'active', labels: {} },
    description: {
      hostname: id,
      platform: { os: 'linux', arch: 'x86_64' },
      resources: o.resources ?? { nanoCpus: 4e9, memoryBytes: 8 * GB },
      engine: { version: '', labels: {} },
    },
    status: { state: o.state ?? 'ready', message: '', addr: '' },
  };
}

function service(id: string, reservations: Resources = { nanoCpus: 0, memoryBytes: 0 }): Service {
  const base = sampleService(id, 1);
  const task = { ...base.spec.task, resources: { ...base.spec.task.resources, reservations } };
  return { id, meta: { version: 1, createdAt: '', updatedAt: '' }, spec: { ...base.spec, task } };
}

function task(
  svc: Service,
  slot: number,
  nodeId = '',
  state: TaskState = nodeId ? 'running' : 'pending',
): Task {
  const base = sampleTask(svc, slot, nodeId);
  return {
    ...base,
    id: `${svc.id}.${slot}`,
    meta: { version: 1, createdAt: '', updatedAt: '' },
    status: { ...base.status, state },
  };
}

const pendingTasks = (svc: Service, n: number, from = 1): Task[] =>
  Array.from({ length: n }, (_, i) => task(svc, from + i));

function perNode(decisions: Decision[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of decisions) out[d.nodeId] = (out[d.nodeId] ?? 0) + 1;
  return out;
}

function info(n: Node, reserved: Resources = { nanoCpus: 0, memoryBytes: 0 }): NodeInfo {
  return {
    node: n,
    tasks: 0,
    byService: new Map(),
    reserved,
    hostPorts: new Set(),
    portsOf: () => [],
  };
}

describe('filters', () => {
  const t = task(service('web'), 1);
  const big = task(service('big', { nanoCpus: 1e9, memoryBytes: GB }), 1);

  it('ready accepts only ready nodes', () => {
    expect(readyFilter.accepts(info(node('a')), t)).toBe(true);
    for (const state of ['down', 'unknown', 'disconnected'] as const)
      expect(readyFilter.accepts(info(node('a', { state })), t)).toBe(false);
  });

  it('availability accepts only active nodes', () => {
    expect(availabilityFilter.accepts(info(node('a')), t)).toBe(true);
    for (const availability of ['pause', 'drain'] as const) {
      expect(availabilityFilter.accepts(info(node('a', { availability })), t)).toBe(false);
    }
  });

  it('memory and cpu apply only to tasks reserving them', () => {
    expect(memoryFilter.appliesTo(t)).toBe(false);
    expect(cpuFilter.appliesTo(t)).toBe(false);
    const mem = task(service('m', { nanoCpus: 0, memoryBytes: 1 }), 1);
    const cpu = task(service('c', { nanoCpus: 1, memoryBytes: 0 }), 1);
    expect([memoryFilter.appliesTo(mem), cpuFilter.appliesTo(mem)]).toEqual([true, false]);
    expect([memoryFilter.appliesTo(cpu), cpuFilter.appliesTo(cpu)]).toEqual([false, true]);
  });

  it('memory and cpu accept a task that fits exactly and reject one that exceeds', () => {
    const n = node('a', { resources: { nanoCpus: 2e9, memoryBytes: 2 * GB } });
    const fits = info(n, { nanoCpus: 1e9, memoryBytes: GB });
    expect(memoryFilter.accepts(fits, big) && cpuFilter.accepts(fits, big)).toBe(true);
    const cpuFull = info(n, { nanoCpus: 1e9 + 1, memoryBytes: GB });
    expect([memoryFilter.accepts(cpuFull, big), cpuFilter.accepts(cpuFull, big)]).toEqual([
      true,
      false,
    ]);
    const memFull = info(n, { nanoCpus: 0, memoryBytes: GB + 1 });
    expect([memoryFilter.accepts(memFull, big), cpuFilter.accepts(memFull, big)]).toEqual([
      false,
      true,
    ]);
  });

  it('explains with singular and plural', () => {
    const t = task(service('s'), 1);
    expect(readyFilter.explain(1, t)).toBe('1 node not ready');
    expect(readyFilter.explain(2, t)).toBe('2 nodes not ready');
    expect(availabilityFilter.explain(1, t)).toBe('1 node not available for new tasks');
    expect(memoryFilter.explain(3, t)).toBe('3 nodes lack memory');
    expect(cpuFilter.explain(1, t)).toBe('1 node lacks CPU');
  });

  it('runs cheap checks first', () => {
    expect(DEFAULT_FILTERS.map((f) => f.name)).toEqual([
      'ready',
      'availability',
      'constraints',
      'max-per-node',
      'host-ports',
      'memory',
      'cpu',
    ]);
  });
});

describe('noSuitableNode', () => {
  it('says when the cluster has no nodes', () => {
    expect(noSuitableNode(0, new Map(), task(service('s'), 1))).toBe(
      'no suitable node (no nodes in the cluster)',
    );
  });

  it('joins the phrases of the failing filters', () => {
    const rejected = new Map<Filter, number>([
      [readyFilter, 1],
      [availabilityFilter, 2],
    ]);
    expect(noSuitableNode(3, rejected, task(service('s'), 1))).toBe(
      'no suitable node (1 node not ready; 2 nodes not available for new tasks)',
    );
  });
});

describe('scheduleTasks', () => {
  const web = service('web');

  it('assigns to the only ready node', () => {
    expect(scheduleTasks([task(web, 1)], [node('a')], [])).toEqual([
      { taskId: 'web.1', nodeId: 'a' },
    ]);
  });

  it('spreads a batch evenly over nodes', () => {
    const decisions = scheduleTasks(pendingTasks(web, 15), [node('a'), node('b'), node('c')], []);
    expect(perNode(decisions)).toEqual({ a: 5, b: 5, c: 5 });
  });

  it('places each task on the node with the fewest tasks of its service, ties by lowest id', () => {
    const decisions = scheduleTasks(pendingTasks(web, 3), [node('c'), node('a'), node('b')], []);
    expect(decisions.map((d) => d.nodeId)).toEqual(['a', 'b', 'c']);
  });

  it('spreads by service first, then by total tasks', () => {
    const db = service('db');
    // a: 2 db tasks; b: 1 web task. A web task goes to a (no web there) despite a being busier.
    const active = [task(db, 1, 'a'), task(db, 2, 'a'), task(web, 1, 'b')];
    expect(scheduleTasks([task(web, 2)], [node('a'), node('b')], active)).toEqual([
      { taskId: 'web.2', nodeId: 'a' },
    ]);
    // Equal web counts: the node with fewer tasks overall wins.
    const active2 = [task(db, 1, 'a'), task(web, 1, 'a'), task(web, 2, 'b')];
    expect(scheduleTasks([task(web, 3)], [node('a'), node('b')], active2)).toEqual([
      { taskId: 'web.3', nodeId: 'b' },
    ]);
  });

  it('ignores active tasks on nodes it does not know', () => {
    expect(scheduleTasks([task(web, 2)], [node('a')], [task(web, 1, 'gone')])).toEqual([
      { taskId: 'web.2', nodeId: 'a' },
    ]);
  });

  it('evens out an unbalanced cluster', () => {
    const active = [task(web, 1, 'a'), task(web, 2, 'a'), task(web, 3, 'a')];
    const decisions = scheduleTasks(pendingTasks(web, 3, 4), [node('a'), node('b')], active);
    expect(perNode(decisions)).toEqual({ b: 3 });
  });

  it('skips nodes that are not ready or not active', () => {
    const nodes = [
      node('a', { state: 'down' }),
      node('b', { availability: 'drain' }),
      node('c', { availability: 'pause' }),
      node('d'),
    ];
    expect(perNode(scheduleTasks(pendingTasks(web, 4), nodes, []))).toEqual({ d: 4 });
  });

  it.each([
    ['paused', node('b', { availability: 'pause' })],
    ['drained', node('b', { availability: 'drain' })],
    ['unknown', node('b', { state: 'unknown' })],
    ['down', node('b', { state: 'down' })],
  ])('never places a task on a %s node, even the least loaded one', (_name, b) => {
    const active = [task(web, 1, 'a'), task(web, 2, 'a'), task(web, 3, 'a')];
    expect(perNode(scheduleTasks(pendingTasks(web, 2, 4), [node('a'), b], active))).toEqual({
      a: 2,
    });
    expect(perNode(scheduleTasks(pendingTasks(web, 2, 4), [node('a'), node('b')], active))).toEqual(
      { b: 2 },
    );
  });

  it('leaves a task pending when the only nodes are paused or drained, saying so', () => {
    const nodes = [node('a', { availability: 'pause' }), node('b', { availability: 'drain' })];
    expect(scheduleTasks([task(web, 1)], nodes, [task(web, 2, 'a')])).toEqual([
      {
        taskId: 'web.1',
        nodeId: '',
        message: 'no suitable node (2 nodes not available for new tasks)',
      },
    ]);
  });

  it('leaves a task pending when the cluster is empty', () => {
    expect(scheduleTasks([task(web, 1)], [], [])).toEqual([
      { taskId: 'web.1', nodeId: '', message: 'no suitable node (no nodes in the cluster)' },
    ]);
  });

  it('blames the first failing filter of each node, in pipeline order', () => {
    const nodes = [
      node('a', { availability: 'pause' }),
      node('b', { state: 'down', availability: 'drain' }),
      node('c', { availability: 'drain' }),
    ];
    const want = 'no suitable node (1 node not ready; 2 nodes not available for new tasks)';
    expect(scheduleTasks([task(web, 1)], nodes, [])).toEqual([
      { taskId: 'web.1', nodeId: '', message: want },
    ]);
    expect(scheduleTasks([task(web, 1)], [...nodes].reverse(), [])).toEqual([
      { taskId: 'web.1', nodeId: '', message: want },
    ]);
  });

  describe('resource reservations', () => {
    const big = service('big', { nanoCpus: 1e9, memoryBytes: 2 * GB });
    const small = { resources: { nanoCpus: 2e9, memoryBytes: 4 * GB } };

    it('fills a node, then the next task goes elsewhere', () => {
      const decisions = scheduleTasks(
        pendingTasks(big, 4),
        [node('a', small), node('b', { resources: { nanoCpus: 8e9, memoryBytes: 32 * GB } })],
        [task(big, 9, 'a')],
      );
      expect(perNode(decisions)).toEqual({ a: 1, b: 3 });
    });

    it('counts reservations of active tasks already on the node', () => {
      const active = [task(big, 8, 'a'), task(big, 9, 'a')];
      expect(scheduleTasks([task(big, 1)], [node('a', small)], active)).toEqual([
        {
          taskId: 'big.1',
          nodeId: '',
          message: 'no suitable node (1 node lacks memory)',
        },
      ]);
    });

    it('leaves the rest of a batch pending once every node is full', () => {
      const decisions = scheduleTasks(
        pendingTasks(big, 5),
        [node('a', small), node('b', small)],
        [],
      );
      expect(decisions.filter((d) => d.nodeId).length).toBe(4);
      expect(decisions[4]).toEqual({
        taskId: 'big.5',
        nodeId: '',
        message: 'no suitable node (2 nodes lack memory)',
      });
    });

    it('ignores reservations for a task without any', () => {
      const active = [task(big, 8, 'a'), task(big, 9, 'a')];
      expect(scheduleTasks([task(web, 1)], [node('a', small)], active)).toEqual([
        { taskId: 'web.1', nodeId: 'a' },
      ]);
    });

    it('mixes filter failures in one message', () => {
      const nodes = [
        node('a', small),
        node('b', { state: 'down' }),
        node('c', { availability: 'drain' }),
      ];
      expect(
        scheduleTasks([task(big, 1)], nodes, [task(big, 8, 'a'), task(big, 9, 'a')])[0],
      ).toEqual({
        taskId: 'big.1',
        nodeId: '',
        message:
          'no suitable node (1 node not ready; 1 node not available for new tasks; 1 node lacks memory)',
      });
    });
  });

  describe('determinism', () => {
    const db = service('db');
    const nodes = [node('n3'), node('n1'), node('n2')];
    const pending = [...pendingTasks(web, 5), ...pendingTasks(db, 4)];
    const active = [task(web, 10, 'n2'), task(db, 10, 'n1')];
    const sorted = (ds: Decision[]) => [...ds].sort((a, b) => a.taskId.localeCompare(b.taskId));

    it('gives the same placement whatever the input order', () => {
      const first = sorted(scheduleTasks(pending, nodes, active));
      expect(
        sorted(scheduleTasks([...pending].reverse(), [...nodes].reverse(), [...active].reverse())),
      ).toEqual(first);
      expect(sorted(scheduleTasks(pending, [nodes[1]!, nodes[2]!, nodes[0]!], active))).toEqual(
        first,
      );
    });

    it('decides tasks in service then slot order', () => {
      expect(scheduleTasks([...pending].reverse(), nodes, active).map((d) => d.taskId)).toEqual([
        'db.1',
        'db.2',
        'db.3',
        'db.4',
        'web.1',
        'web.2',
        'web.3',
        'web.4',
        'web.5',
      ]);
    });

    it('does not mutate its inputs', () => {
      const copy = structuredClone({ pending, nodes, active });
      scheduleTasks(pending, nodes, active);
      expect({ pending, nodes, active }).toEqual(copy);
    });
  });

  it('accepts a custom pipeline', () => {
    const onlyB: Filter = {
      name: 'only-b',
      appliesTo: () => true,
      accepts: (i) => i.node.id === 'b',
      explain: (n) => `${n} not b`,
    };
    expect(scheduleTasks([task(web, 1)], [node('a'), node('b')], [], [onlyB])).toEqual([
      { taskId: 'web.1', nodeId: 'b' },
    ]);
    expect(scheduleTasks([task(web, 1)], [node('a')], [], [onlyB])).toEqual([
      { taskId: 'web.1', nodeId: '', message: 'no suitable node (1 not b)' },
    ]);
  });
});

describe('placement', () => {
  /** A node with labels and a role. */
  function labelled(
    id: string,
    labels: Record<string, string>,
    role: 'worker' | 'manager' = 'worker',
  ): Node {
    const n = node(id);
    return { ...n, spec: { ...n.spec, role, labels } };
  }
  function placed(svc: Service, placement: NonNullable<Task['spec']['placement']>): Service {
    return { ...svc, spec: { ...svc.spec, task: { ...svc.spec.task, placement } } };
  }

  it('honours == and != constraints and says which one fails', () => {
    const nodes = [
      labelled('a', { zone: 'a' }),
      labelled('b', { zone: 'b' }),
      labelled('c', {}, 'manager'),
    ];
    const svc = placed(service('s'), { constraints: ['node.labels.zone==a'] });
    expect(perNode(scheduleTasks(pendingTasks(svc, 3), nodes, []))).toEqual({ a: 3 });
    const notManager = placed(service('t'), { constraints: ['node.role != manager'] });
    expect(
      Object.keys(perNode(scheduleTasks(pendingTasks(notManager, 4), nodes, []))).sort(),
    ).toEqual(['a', 'b']);
    const none = placed(service('u'), { constraints: ['node.labels.zone==z'] });
    const [d] = scheduleTasks(pendingTasks(none, 1), nodes, []);
    expect(d).toEqual({
      taskId: 'u.1',
      nodeId: '',
      message: 'no suitable node (3 fail node.labels.zone==z)',
    });
  });

  it('caps tasks per node, and says so when every node is full', () => {
    const nodes = [node('a'), node('b')];
    const svc = placed(service('s'), { maxReplicasPerNode: 1 });
    const decisions = scheduleTasks(pendingTasks(svc, 3), nodes, []);
    expect(decisions.map((d) => d.nodeId)).toEqual(['a', 'b', '']);
    expect(decisions[2]).toMatchObject({
      message: 'no suitable node (2 nodes already run 1 of its tasks (max per node))',
    });
  });

  it('spreads over label groups first (spread=node.labels.zone), then nodes', () => {
    // Zone a has 3 nodes, zone b one: 4 tasks go 2 to each zone, not 1 per node.
    const nodes = [
      labelled('a1', { zone: 'a' }),
      labelled('a2', { zone: 'a' }),
      labelled('a3', { zone: 'a' }),
      labelled('b1', { zone: 'b' }),
    ];
    const svc = placed(service('s'), { preferences: [{ spread: 'node.labels.zone' }] });
    const byNode = perNode(scheduleTasks(pendingTasks(svc, 4), nodes, []));
    expect((byNode['a1'] ?? 0) + (byNode['a2'] ?? 0) + (byNode['a3'] ?? 0)).toBe(2);
    expect(byNode['b1']).toBe(2);
  });

  it('binds a host-mode port once per node: a second task of it goes elsewhere or waits', () => {
    const nodes = [node('a'), node('b')];
    const svc = service('s');
    const ports = (id: string): string[] => (id === 's' ? ['8080/tcp'] : []);
    const running = [task(svc, 1, 'a')];
    const decisions = scheduleTasks(pendingTasks(svc, 2, 2), nodes, running, undefined, ports);
    expect(decisions.map((d) => d.nodeId)).toEqual(['b', '']);
    expect(decisions[1]).toMatchObject({
      message: 'no suitable node (host port in use on 2 nodes)',
    });
    // Another service without host ports is not affected.
    const other = service('o');
    expect(scheduleTasks(pendingTasks(other, 2), nodes, running, undefined, ports)).toHaveLength(2);
  });

  it('takes host-mode ports with a number from the service (engine-picked ones never clash)', () => {
    const svc = service('s');
    const withPorts: Service = {
      ...svc,
      endpoint: {
        vips: [],
        ports: [
          { target: 80, published: 8080, protocol: 'tcp', mode: 'host' },
          { target: 53, published: 0, protocol: 'udp', mode: 'host' },
          { target: 81, published: 9090, protocol: 'tcp', mode: 'ingress' },
        ],
      },
    };
    expect(hostPortsOf(withPorts)).toEqual(['8080/tcp']);
  });
});

describe('tasks created for one node (global services)', () => {
  const svc = service('g');
  const forNode = (nodeId: string): Task => ({ ...task(svc, 0), id: `g.${nodeId}`, nodeId });

  it('goes to its own node even when another is emptier', () => {
    const busy = [task(service('x'), 1, 'b'), task(service('x'), 2, 'b')];
    expect(scheduleTasks([forNode('b')], [node('a'), node('b')], busy)).toEqual([
      { taskId: 'g.b', nodeId: 'b' },
    ]);
  });

  it('waits PENDING, counting only its own node, when that node does not fit', () => {
    const nodes = [node('a'), node('b', { availability: 'drain' })];
    expect(scheduleTasks([forNode('b')], nodes, [])).toEqual([
      {
        taskId: 'g.b',
        nodeId: '',
        message: 'no suitable node (1 node not available for new tasks)',
      },
    ]);
  });

  it('says so when its node is gone', () => {
    expect(scheduleTasks([forNode('z')], [node('a')], [])).toEqual([
      { taskId: 'g.z', nodeId: '', message: 'node z is not in the cluster' },
    ]);
  });
});
