import type { Network, Node, Service, Task } from '@swarmlet/api-types';
import { sampleNode, sampleService, sampleTask } from '@swarmlet/store';
import { describe, expect, it } from 'vitest';
import { computeNetMap, type NetMapState } from './netmap.js';

const meta = { version: 1, createdAt: '', updatedAt: '' };

function node(id: string, addr: string, state: Node['status']['state'], nets: string[]): Node {
  return {
    ...sampleNode(id, state, addr),
    meta,
    networks: nets.map((n, i) => ({ networkId: n, addr: `10.0.${i}.${addr.slice(-1)}/24` })),
  };
}

const net = (id: string, i: number, allocated = true): Network => ({
  id,
  meta,
  spec: { name: `net-${id}`, driver: 'overlay', labels: {}, attachable: false, subnet: '' },
  ...(allocated
    ? { ipam: { subnet: `10.0.${i}.0/24`, gateway: `10.0.${i}.1` }, vni: 4096 + i }
    : {}),
});

function state(): NetMapState {
  const svc: Service = {
    ...sampleService('web'),
    id: 's1',
    meta,
    endpoint: {
      vips: [{ networkId: 'a', addr: '10.0.0.100/24' }],
      ports: [{ target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' }],
    },
  };
  const task = (id: string, slot: number, nodeId: string, patch: Partial<Task> = {}): Task => ({
    ...sampleTask(svc, slot, nodeId),
    id,
    meta,
    desiredState: 'running',
    status: { state: 'running', timestamp: '', message: '', err: '', containerId: 'c' },
    networks: [{ networkId: 'a', addr: `10.0.0.${10 + slot}/24` }],
    ...patch,
  });
  return {
    networks: [net('a', 0), net('b', 1), net('c', 2, false)],
    services: [svc],
    nodes: [
      node('n1', '192.168.0.1', 'ready', ['a', 'b']),
      node('n2', '192.168.0.2', 'ready', ['a']),
      node('n3', '192.168.0.3', 'down', ['a', 'b']),
    ],
    tasks: [
      task('t2', 2, 'n2'),
      task('t1', 1, 'n1'),
      task('t3', 3, 'n1', { desiredState: 'shutdown' }),
      task('t4', 4, 'n2', {
        status: { state: 'starting', timestamp: '', message: '', err: '', containerId: '' },
      }),
    ],
  };
}

describe('computeNetMap', () => {
  it("lists the node's networks with its own address and its live peers", () => {
    const map = computeNetMap(state(), 'n1');
    expect(map.networks).toEqual([
      {
        id: 'a',
        name: 'net-a',
        subnet: '10.0.0.0/24',
        vni: 4096,
        nodeAddr: '10.0.0.1/24',
        peers: ['192.168.0.2'],
      },
      {
        id: 'b',
        name: 'net-b',
        subnet: '10.0.1.0/24',
        vni: 4097,
        nodeAddr: '10.0.1.1/24',
        peers: [],
      },
    ]);
    // n2 has no address on b: b is not in its map; the down node n3 is nobody's peer.
    expect(computeNetMap(state(), 'n2').networks.map((n) => [n.id, n.peers])).toEqual([
      ['a', ['192.168.0.1']],
    ]);
  });

  it('sends traffic only to running tasks still wanted running, in slot order', () => {
    const [svc] = computeNetMap(state(), 'n1').services;
    expect(svc?.tasks.map((t) => [t.id, t.nodeAddr])).toEqual([
      ['t1', '192.168.0.1'],
      ['t2', '192.168.0.2'],
    ]);
    expect(svc?.vips).toEqual([{ networkId: 'a', addr: '10.0.0.100/24' }]);
    expect(svc?.endpointMode).toBe('vip');
    expect(svc?.ports).toEqual([{ target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' }]);
  });

  it('leaves a task out while its health check is pending, and adds it once healthy', () => {
    const s = state();
    const t5 = { ...s.tasks[0]!, id: 't5', slot: 5 };
    const health = (state: 'starting' | 'running', message: string): NetMapState => ({
      ...s,
      tasks: [...s.tasks, { ...t5, status: { ...t5.status, state, message } }],
    });
    const ids = (m: NetMapState): string[] | undefined =>
      computeNetMap(m, 'n1').services[0]?.tasks.map((t) => t.id);
    expect(ids(health('starting', 'starting (health: starting)'))).toEqual(['t1', 't2']);
    expect(ids(health('running', 'started'))).toEqual(['t1', 't2', 't5']);
  });

  it('is empty of networks for a node the allocator has not reached yet', () => {
    expect(computeNetMap(state(), 'nobody').networks).toEqual([]);
  });
});
