import { beforeEach, describe, expect, it } from 'vitest';
import {
  isSwarmletError,
  type Node,
  type NodeUpdateRequest,
  type TaskState,
} from '@swarmlet/api-types';
import { MemoryStore, sampleService, sampleTask } from '@swarmlet/store';
import { ControlServer } from './controlapi.js';
import { updatedNodeSpec, validateNodeUpdate } from './nodes.js';

type NodeInput = Omit<Node, 'id' | 'meta'> & { id: string };

function nodeInput(
  id: string,
  o: Partial<Node['spec']> & { state?: Node['status']['state'] } = {},
): NodeInput {
  return {
    id,
    spec: {
      role: o.role ?? 'worker',
      availability: o.availability ?? 'active',
      labels: o.labels ?? {},
    },
    description: {
      hostname: `host-${id}`,
      platform: { os: 'linux', arch: 'x86_64' },
      resources: { nanoCpus: 0, memoryBytes: 0 },
      engine: { version: '', labels: {} },
    },
    status: { state: o.state ?? 'ready', message: '', addr: '' },
  };
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isSwarmletError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isSwarmletError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected an error');
}

let store: MemoryStore;
let api: ControlServer;
const nodeOf = (id: string): Node | undefined => store.view((tx) => tx.get('node', id));

beforeEach(async () => {
  store = new MemoryStore();
  api = new ControlServer(store);
  await store.update((tx) => {
    tx.create('node', nodeInput('m1', { role: 'manager' }));
    tx.create('node', nodeInput('w1', { labels: { zone: 'a', disk: 'ssd' } }));
    tx.create('node', nodeInput('w2', { state: 'down' }));
  });
});

describe('validateNodeUpdate', () => {
  it.each<[string, NodeUpdateRequest, string]>([
    ['an empty label key', { labelAdd: { '': 'x' } }, 'invalid label key ""'],
    ['a key with =', { labelAdd: { 'a=b': 'x' } }, 'invalid label key "a=b"'],
    ['a key with a space', { labelAdd: { 'a b': 'x' } }, 'invalid label key "a b"'],
    ['a key ending in a dot', { labelAdd: { 'zone.': 'x' } }, 'invalid label key "zone."'],
    ['a key of 129 characters', { labelAdd: { ['k'.repeat(129)]: 'x' } }, 'invalid label key'],
    ['a huge value', { labelAdd: { k: 'v'.repeat(4097) } }, 'label k: the value must be'],
    ['an unknown availability', { availability: 'off' as never }, 'invalid availability "off"'],
    ['an unknown role', { role: 'boss' as never }, 'invalid role "boss"'],
    ['a negative version', { version: -1 }, 'version must be a non-negative integer'],
  ])('rejects %s', (_name, req, message) => {
    const err = thrown(() => validateNodeUpdate(req));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain(message);
  });

  it('accepts reverse-DNS keys, single characters and empty values', () => {
    expect(() =>
      validateNodeUpdate({
        labelAdd: { 'com.example/zone-1_a': '', z: 'v', ['k'.repeat(128)]: 'x' },
      }),
    ).not.toThrow();
  });
});

describe('updatedNodeSpec', () => {
  const worker = (labels: Record<string, string>): Node =>
    ({ ...nodeInput('w', { labels }), meta: { version: 1, createdAt: '', updatedAt: '' } }) as Node;

  it('adds labels before removing keys, like docker node update', () => {
    const spec = updatedNodeSpec(
      worker({ a: '1', b: '2' }),
      { labelAdd: { c: '3', b: 'x' }, labelRm: ['a'] },
      1,
    );
    expect(spec.labels).toEqual({ b: 'x', c: '3' });
    expect(updatedNodeSpec(worker({}), { labelAdd: { t: '1' }, labelRm: ['t'] }, 1).labels).toEqual(
      {},
    );
  });

  it('names a removed key that does not exist', () => {
    const err = thrown(() => updatedNodeSpec(worker({ a: '1' }), { labelRm: ['a', 'nope'] }, 1));
    expect(err).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'key "nope" doesn\'t exist in node\'s labels',
    });
  });

  it('does not mistake inherited properties for labels', () => {
    expect(thrown(() => updatedNodeSpec(worker({}), { labelRm: ['toString'] }, 1)).code).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('keeps what the request does not mention', () => {
    const n = worker({ a: '1' });
    expect(updatedNodeSpec(n, {}, 1)).toEqual(n.spec);
  });
});

describe('ControlServer.updateNode', () => {
  it('sets availability and labels, by hostname, and answers the written node', async () => {
    const before = nodeOf('w1')!;
    const got = await api.updateNode('host-w1', {
      version: before.meta.version,
      availability: 'drain',
      labelAdd: { rack: '7' },
      labelRm: ['disk'],
    });
    expect(got.spec).toEqual({
      role: 'worker',
      availability: 'drain',
      labels: { zone: 'a', rack: '7' },
    });
    expect(got.meta.version).toBeGreaterThan(before.meta.version);
    expect(nodeOf('w1')).toEqual(got);
  });

  it('fails with CONFLICT when the node changed since the version read, and writes nothing', async () => {
    const v = nodeOf('w1')!.meta.version;
    await api.updateNode('w1', { labelAdd: { x: '1' } });
    const err = await rejection(api.updateNode('w1', { version: v, availability: 'pause' }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain(`node host-w1 changed since version ${v}`);
    expect(nodeOf('w1')!.spec.availability).toBe('active');
  });

  it('applies to the latest version when none is given', async () => {
    await api.updateNode('w1', { labelAdd: { x: '1' } });
    expect((await api.updateNode('w1', { availability: 'pause' })).spec.availability).toBe('pause');
  });

  it('does not write an update that changes nothing', async () => {
    const before = nodeOf('w1')!;
    expect(await api.updateNode('w1', { availability: 'active', labelAdd: { zone: 'a' } })).toEqual(
      before,
    );
    expect(nodeOf('w1')!.meta.version).toBe(before.meta.version);
  });

  it('leaves the node unchanged when a removed label does not exist', async () => {
    const err = await rejection(
      api.updateNode('w1', { availability: 'drain', labelRm: ['zone', 'ghost'] }),
    );
    expect(err).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'key "ghost" doesn\'t exist in node\'s labels',
    });
    expect(nodeOf('w1')!.spec).toEqual({
      role: 'worker',
      availability: 'active',
      labels: { zone: 'a', disk: 'ssd' },
    });
  });

  it('answers NOT_FOUND for an unknown node', async () => {
    expect((await rejection(api.updateNode('nope', {}))).code).toBe('NOT_FOUND');
  });

  it('refuses to demote the last manager, and allows it once there is another', async () => {
    expect(await rejection(api.updateNode('m1', { role: 'worker' }))).toEqual({
      code: 'FAILED_PRECONDITION',
      message: 'cannot demote the last manager of the cluster',
    });
    expect(nodeOf('m1')!.spec.role).toBe('manager');
    await api.updateNode('w1', { role: 'manager' });
    expect((await api.updateNode('m1', { role: 'worker' })).spec.role).toBe('worker');
    // w1 is now the only manager.
    expect((await rejection(api.updateNode('w1', { role: 'worker' }))).code).toBe(
      'FAILED_PRECONDITION',
    );
  });

  it('lets two concurrent demotions leave one manager', async () => {
    await api.updateNode('w1', { role: 'manager' });
    const results = await Promise.allSettled([
      api.updateNode('m1', { role: 'worker' }),
      api.updateNode('w1', { role: 'worker' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(store.view((tx) => tx.find('node', (n) => n.spec.role === 'manager'))).toHaveLength(1);
  });
});

describe('ControlServer.removeNode', () => {
  async function addTasks(nodeId: string, states: [TaskState, TaskState][]): Promise<string[]> {
    return store.update((tx) => {
      const svc = tx.create('service', sampleService('web', states.length));
      return states.map(([state, desiredState], i) => {
        const base = sampleTask(svc, i + 1, nodeId);
        return tx.create('task', { ...base, desiredState, status: { ...base.status, state } }).id;
      });
    });
  }

  it('deletes a down node and shuts down its wanted tasks, leaving the others', async () => {
    const ids = await addTasks('w2', [
      ['running', 'running'],
      ['ready', 'ready'],
      ['failed', 'shutdown'],
      ['running', 'remove'],
    ]);
    await api.removeNode('host-w2');
    expect(nodeOf('w2')).toBeUndefined();
    const desired = store.view((tx) => ids.map((id) => tx.get('task', id)!.desiredState));
    expect(desired).toEqual(['shutdown', 'shutdown', 'shutdown', 'remove']);
  });

  it('refuses a READY node unless forced', async () => {
    const [id] = await addTasks('w1', [['running', 'running']]);
    expect(await rejection(api.removeNode('w1'))).toEqual({
      code: 'FAILED_PRECONDITION',
      message: 'node host-w1 is still up; use --force to remove it',
    });
    expect(await rejection(api.removeNode('w1', { force: false }))).toMatchObject({
      code: 'FAILED_PRECONDITION',
    });
    expect(nodeOf('w1')).toBeDefined();
    expect(store.view((tx) => tx.get('task', id!)!.desiredState)).toBe('running');
    await api.removeNode('w1', { force: true });
    expect(nodeOf('w1')).toBeUndefined();
    expect(store.view((tx) => tx.get('task', id!)!.desiredState)).toBe('shutdown');
  });

  it('refuses a manager even with force, down or not', async () => {
    await store.update(
      (tx) => void tx.create('node', nodeInput('m2', { role: 'manager', state: 'down' })),
    );
    for (const ref of ['m1', 'm2']) {
      expect(await rejection(api.removeNode(ref, { force: true }))).toEqual({
        code: 'FAILED_PRECONDITION',
        message: `node host-${ref} is a manager of the cluster: demote it first`,
      });
    }
    expect(store.view((tx) => tx.find('node'))).toHaveLength(4);
  });

  it('answers NOT_FOUND for an unknown node', async () => {
    expect((await rejection(api.removeNode('nope'))).code).toBe('NOT_FOUND');
  });
});
