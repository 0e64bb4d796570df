import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  silentLogger,
  type AgentMessage,
  type ManagerMessage,
  type Node,
  type SessionChannel,
} from '@swarmlet/api-types';
import { channelPair } from '@swarmlet/agent';
import { MemoryStore, sampleNode, sampleService, sampleTask } from '@swarmlet/store';
import { Dispatcher, LEADER_CHANGE_MESSAGE } from './dispatcher.js';

const PERIOD = 1_000;

function nodeInput(id: string, state: Node['status']['state']): Omit<Node, 'meta'> {
  const n = sampleNode(id, state);
  return { ...n, status: { ...n.status, message: state === 'down' ? 'went away' : '' } };
}

let store: MemoryStore;
let dispatcher: Dispatcher;
const status = (id: string): Node['status'] | undefined =>
  store.view((tx) => tx.get('node', id)?.status);
/** Lets queued store writes and in-process channel deliveries (setImmediate) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** Opens a session for `nodeId` the way an agent does; returns the agent's end. */
async function connect(nodeId: string): Promise<SessionChannel<ManagerMessage, AgentMessage>> {
  const [agentEnd, managerEnd] = channelPair<AgentMessage, ManagerMessage>();
  dispatcher.accept(managerEnd);
  agentEnd.onMessage(() => undefined);
  agentEnd.send({ type: 'register', nodeId, description: nodeInput(nodeId, 'ready').description });
  await settle();
  return agentEnd;
}

/** Registers `nodeId` and returns every message the manager sends it (filled as they come). */
async function openSession(nodeId: string): Promise<ManagerMessage[]> {
  const [agentEnd, managerEnd] = channelPair<AgentMessage, ManagerMessage>();
  dispatcher.accept(managerEnd);
  const got: ManagerMessage[] = [];
  agentEnd.onMessage((m) => got.push(m));
  agentEnd.send({ type: 'register', nodeId, description: nodeInput(nodeId, 'ready').description });
  await settle();
  return got;
}

beforeEach(async () => {
  // Only the expiry timer and the clock are faked; promises and channel deliveries run for real.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  store = new MemoryStore();
  await store.update((tx) => {
    for (const [id, state] of [
      ['up1', 'ready'],
      ['up2', 'ready'],
      ['new', 'unknown'],
      ['gone', 'down'],
    ] as const)
      tx.create('node', nodeInput(id, state));
  });
  dispatcher = new Dispatcher({ store, log: silentLogger, heartbeatPeriodMs: PERIOD });
});

afterEach(async () => {
  await dispatcher.stop();
  vi.useRealTimers();
});

describe('Dispatcher after a leader change', () => {
  it('marks every node not already down unknown at start, without touching down nodes', async () => {
    dispatcher.start();
    await settle();
    expect(status('up1')).toEqual({ state: 'unknown', message: LEADER_CHANGE_MESSAGE, addr: '' });
    expect(status('up2')?.state).toBe('unknown');
    expect(status('new')).toEqual({ state: 'unknown', message: '', addr: '' });
    expect(status('gone')).toEqual({ state: 'down', message: 'went away', addr: '' });
  });

  it('gives nodes 3 heartbeat periods to reconnect, then marks the others down', async () => {
    dispatcher.start();
    await settle();
    await vi.advanceTimersByTimeAsync(PERIOD);
    const agent = await connect('up1');
    expect(status('up1')?.state).toBe('ready');
    const beat = setInterval(() => agent.send({ type: 'heartbeat' }), PERIOD / 2);
    await vi.advanceTimersByTimeAsync(PERIOD * 1.5);
    await settle();
    // 2.5 periods in: still within the grace.
    expect(status('up2')?.state).toBe('unknown');
    expect(status('new')?.state).toBe('unknown');
    await vi.advanceTimersByTimeAsync(PERIOD);
    await settle();
    expect(status('up2')).toEqual({ state: 'down', message: 'heartbeat failure', addr: '' });
    expect(status('new')).toEqual({ state: 'down', message: 'heartbeat failure', addr: '' });
    expect(status('up1')?.state).toBe('ready');
    clearInterval(beat);
  });

  it('does not undo a registration that raced with the start', async () => {
    dispatcher.start();
    await connect('up1');
    await settle();
    expect(status('up1')?.state).toBe('ready');
  });

  it('marks a node whose session was lost down only after the grace, and ready when it returns', async () => {
    dispatcher.start();
    const agent = await connect('up1');
    agent.close('connection lost');
    await vi.advanceTimersByTimeAsync(PERIOD * 2.5);
    await settle();
    expect(status('up1')?.state).toBe('ready');
    await vi.advanceTimersByTimeAsync(PERIOD);
    await settle();
    expect(status('up1')).toEqual({ state: 'down', message: 'heartbeat failure', addr: '' });
    await connect('up1');
    expect(status('up1')).toEqual({ state: 'ready', message: '', addr: '' });
  });

  it('can be started again after a stop (leadership regained)', async () => {
    dispatcher.start();
    await dispatcher.stop();
    dispatcher.start();
    await connect('new');
    expect(status('new')?.state).toBe('ready');
  });
});

describe('Dispatcher network map', () => {
  it('sends the map before the assignments, and again only when it changes', async () => {
    dispatcher.start();
    await store.update((tx) => {
      const net = tx.create('network', {
        id: 'net1',
        spec: { name: 'default', driver: 'overlay', labels: {}, attachable: false, subnet: '' },
        ipam: { subnet: '10.0.0.0/24', gateway: '10.0.0.1' },
        vni: 4096,
      });
      for (const id of ['up1', 'up2']) {
        const n = tx.get('node', id)!;
        const addr = `10.0.0.${id === 'up1' ? 2 : 3}/24`;
        tx.update('node', {
          ...n,
          status: { ...n.status, addr: `192.168.9.${id.slice(-1)}` },
          networks: [{ networkId: net.id, addr }],
        });
      }
    });
    const got = await openSession('up1');
    expect(got.map((m) => m.type)).toEqual(['session', 'netmap', 'assignments']);
    const first = got[1];
    expect(first?.type === 'netmap' && first.map.networks).toEqual([
      {
        id: 'net1',
        name: 'default',
        subnet: '10.0.0.0/24',
        vni: 4096,
        nodeAddr: '10.0.0.2/24',
        peers: ['192.168.9.2'],
      },
    ]);
    // A change the map does not show (a label) sends nothing; a peer going down does.
    await store.update((tx) => {
      const n = tx.get('node', 'up2')!;
      tx.update('node', { ...n, spec: { ...n.spec, labels: { a: 'b' } } });
    });
    await settle();
    expect(got.length).toBe(3);
    await store.update((tx) => {
      const n = tx.get('node', 'up2')!;
      tx.update('node', { ...n, status: { ...n.status, state: 'down' } });
    });
    await settle();
    const last = got.at(-1);
    expect(last?.type === 'netmap' && last.map.networks[0]?.peers).toEqual([]);
  });
});

describe('Dispatcher secrets and configs', () => {
  it("sends a secret's data only with its task, to that task's node; config updates go there too", async () => {
    dispatcher.start();
    const ids = await store.update((tx) => {
      const secret = tx.create('secret', {
        spec: { name: 's', labels: {}, data: Buffer.from('top').toString('base64') },
      });
      const config = tx.create('config', {
        spec: { name: 'c', labels: {}, data: Buffer.from('v1').toString('base64') },
      });
      const ref = (id: string, name: string, target: string) => ({
        id,
        name,
        target,
        uid: 0,
        gid: 0,
        mode: 0o444,
      });
      const svc = tx.create('service', sampleService('app'));
      const spec = {
        ...svc.spec.task,
        secrets: [ref(secret.id, 's', 's')],
        configs: [ref(config.id, 'c', '/c')],
      };
      const status = {
        state: 'assigned' as const,
        timestamp: '',
        message: '',
        err: '',
        containerId: '',
      };
      tx.create('task', { ...sampleTask(svc, 1, 'up1'), spec, status });
      return { secret: secret.id, config: config.id };
    });
    const open = openSession;
    const up1 = await open('up1');
    const up2 = await open('up2');
    const assigned = up1.find((m) => m.type === 'assignments');
    const change = assigned?.type === 'assignments' ? assigned.changes[0] : undefined;
    expect(change?.action === 'update' && change.files).toEqual({
      secrets: [{ id: ids.secret, data: Buffer.from('top').toString('base64') }],
      configs: [{ id: ids.config, data: Buffer.from('v1').toString('base64') }],
    });
    expect(JSON.stringify(up2)).not.toContain(Buffer.from('top').toString('base64'));

    await store.update((tx) => {
      const c = tx.get('config', ids.config)!;
      tx.update('config', {
        ...c,
        spec: { ...c.spec, data: Buffer.from('v2').toString('base64') },
      });
    });
    await settle();
    expect(up1.filter((m) => m.type === 'configs')).toEqual([
      {
        type: 'configs',
        configs: [{ id: ids.config, data: Buffer.from('v2').toString('base64') }],
      },
    ]);
    expect(up2.filter((m) => m.type === 'configs')).toEqual([]);
  });

  it('sends a registry credential with a task whose image is on that registry, to its node only', async () => {
    dispatcher.start();
    const cred = { server: '127.0.0.1:5000', username: 'bob', password: 'pw-123' };
    await store.update((tx) => {
      tx.create('secret', {
        spec: {
          name: 'registry-127.0.0.1_5000',
          labels: {},
          data: Buffer.from(JSON.stringify(cred)).toString('base64'),
          type: 'registry',
        },
        registry: { server: cred.server, username: cred.username },
      });
      const svc = tx.create('service', sampleService('app'));
      const status = {
        state: 'assigned' as const,
        timestamp: '',
        message: '',
        err: '',
        containerId: '',
      };
      const onRegistry = { ...svc.spec.task.container, image: '127.0.0.1:5000/app:1' };
      tx.create('task', {
        ...sampleTask(svc, 1, 'up1'),
        spec: { ...svc.spec.task, container: onRegistry },
        status,
      });
      tx.create('task', { ...sampleTask(svc, 2, 'up2'), status }); // docker.io image: no credential
    });
    const got = new Map<string, ManagerMessage[]>();
    for (const nodeId of ['up1', 'up2']) got.set(nodeId, await openSession(nodeId));
    const files = (nodeId: string) => {
      const m = got.get(nodeId)?.find((x) => x.type === 'assignments');
      const c = m?.type === 'assignments' ? m.changes[0] : undefined;
      return c?.action === 'update' ? c.files : undefined;
    };
    expect(files('up1')?.registryAuth).toEqual(cred);
    expect(files('up2')).toBeUndefined();
    expect(JSON.stringify(got.get('up2'))).not.toContain('pw-123');
  });
});
