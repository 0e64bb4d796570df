import { describe, expect, it } from 'vitest';
import type { ClusterEvent } from '@swarmlet/api-types';
import {
  MemoryStore,
  sampleNode,
  sampleService,
  sampleTask,
  type WatchQueue,
} from '@swarmlet/store';
import { toClusterEvent } from './map.js';

/** A store on a settable clock, and the events its commits map to (ids `<version>-<n>`). */
function setup(): { store: MemoryStore; clock: { t: number }; events: () => ClusterEvent[] } {
  const clock = { t: Date.parse('2026-11-21T12:00:00.000Z') };
  const store = new MemoryStore({ now: () => new Date(clock.t) });
  const q: WatchQueue = store.watch();
  const events = (): ClusterEvent[] => {
    const out: ClusterEvent[] = [];
    let n = 0;
    for (const ev of q.drain()) {
      if (ev.type === 'commit') continue;
      const mapped = toClusterEvent(ev, `x-${n++}`, new Date(clock.t + 500));
      if (mapped) out.push(mapped);
    }
    return out;
  };
  return { store, clock, events };
}

describe('toClusterEvent', () => {
  it('service create, update (image, replicas, update state) and remove', async () => {
    const { store, clock, events } = setup();
    const svc = await store.update((tx) => tx.create('service', sampleService('web', 1)));
    expect(events()).toEqual([
      {
        id: 'x-0',
        time: '2026-11-21T12:00:00.000Z',
        type: 'service',
        action: 'create',
        actor: { id: svc.id, attributes: { name: 'web' } },
        scope: 'swarm',
      },
    ]);
    clock.t += 1000;
    const spec = { ...svc.spec, replicas: 3 };
    spec.task = { ...spec.task, container: { ...spec.task.container, image: 'nginx' } };
    const updateStatus = { state: 'updating' as const, startedAt: '', message: '' };
    const v2 = await store.update((tx) => tx.update('service', { ...svc, spec, updateStatus }));
    const [upd] = events();
    expect(upd?.action).toBe('update');
    expect(upd?.time).toBe('2026-11-21T12:00:01.000Z');
    expect(upd?.actor.attributes).toEqual({
      name: 'web',
      'image.old': 'busybox',
      'image.new': 'nginx',
      'replicas.old': '1',
      'replicas.new': '3',
      'updatestate.new': 'updating',
    });
    await store.update((tx) =>
      tx.update('service', { ...v2, updateStatus: { ...updateStatus, state: 'completed' } }),
    );
    expect(events()[0]?.actor.attributes).toEqual({
      name: 'web',
      'updatestate.old': 'updating',
      'updatestate.new': 'completed',
    });
    await store.update((tx) => tx.delete('service', svc.id));
    const [rm] = events();
    expect(rm).toMatchObject({
      action: 'remove',
      actor: { id: svc.id, attributes: { name: 'web' } },
    });
    expect(rm?.time).toBe(new Date(clock.t + 500).toISOString()); // removal: the applier's clock
  });

  it('node updates show availability, role, state, leader and reachability changes', async () => {
    const { store, events } = setup();
    const n = await store.update((tx) =>
      tx.create('node', {
        ...sampleNode('n1', 'down'),
        managerStatus: { leader: false, reachability: 'reachable', addr: '' },
      }),
    );
    expect(events()[0]).toMatchObject({ type: 'node', action: 'create', actor: { id: 'n1' } });
    await store.update((tx) =>
      tx.update('node', {
        ...n,
        spec: { ...n.spec, availability: 'drain', role: 'manager' },
        status: { ...n.status, state: 'ready' },
        managerStatus: { leader: true, reachability: 'unreachable', addr: '' },
      }),
    );
    expect(events()[0]?.actor.attributes).toEqual({
      name: 'n1',
      'availability.old': 'active',
      'availability.new': 'drain',
      'role.old': 'worker',
      'role.new': 'manager',
      'state.old': 'down',
      'state.new': 'ready',
      'leader.old': 'false',
      'leader.new': 'true',
      'reachability.old': 'reachable',
      'reachability.new': 'unreachable',
    });
  });

  it('task events name the task like service ps and show state, desired state and node', async () => {
    const { store, events } = setup();
    const svc = await store.update((tx) => tx.create('service', sampleService('api', 2)));
    events();
    const t = await store.update((tx) => tx.create('task', sampleTask(svc, 2)));
    expect(events()[0]?.actor.attributes).toEqual({
      name: 'api.2',
      'service.name': 'api',
      state: 'new',
      desiredstate: 'running',
    });
    await store.update((tx) =>
      tx.update('task', {
        ...t,
        nodeId: 'n7',
        desiredState: 'shutdown',
        status: { ...t.status, state: 'failed', err: 'exit 1' },
      }),
    );
    expect(events()[0]?.actor.attributes).toEqual({
      name: 'api.2',
      'service.name': 'api',
      'state.old': 'new',
      'state.new': 'failed',
      'desiredstate.old': 'running',
      'desiredstate.new': 'shutdown',
      'node.id.old': '',
      'node.id.new': 'n7',
      error: 'exit 1',
    });
    const global = await store.update((tx) =>
      tx.create('task', { ...sampleTask(svc, 0, 'n9'), slot: 0 }),
    );
    expect(events()[0]?.actor).toMatchObject({ id: global.id, attributes: { name: 'api.n9' } });
  });

  it('secrets, configs and networks carry only their name; the cluster object yields nothing', async () => {
    const { store, events } = setup();
    const data = Buffer.from('hunter2-top-secret').toString('base64');
    await store.update((tx) => {
      tx.create('cluster', {
        spec: {
          name: 'c',
          orchestration: { taskHistoryRetentionLimit: 5 },
          dispatcher: { heartbeatPeriodMs: 5000 },
        },
      });
      tx.create('secret', { spec: { name: 'db-pass', labels: { a: 'b' }, data } });
      tx.create('config', { spec: { name: 'site', labels: {}, data } });
      tx.create('network', {
        spec: { name: 'backend', driver: 'overlay', labels: {}, attachable: false, subnet: '' },
      });
    });
    const evs = events();
    expect(evs.map((e) => [e.type, e.action, e.actor.attributes])).toEqual([
      ['secret', 'create', { name: 'db-pass' }],
      ['config', 'create', { name: 'site' }],
      ['network', 'create', { name: 'backend' }],
    ]);
    expect(JSON.stringify(evs)).not.toContain(data);
  });
});
