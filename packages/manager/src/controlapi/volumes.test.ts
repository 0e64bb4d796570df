import { beforeEach, describe, expect, it } from 'vitest';
import { isSwarmletError, SwarmletError, type SessionVolume } from '@swarmlet/api-types';
import { MemoryStore, sampleNode } from '@swarmlet/store';
import { listVolumes, removeVolume, type VolumeSource } from './volumes.js';

const vol = (name: string, inUse = false): SessionVolume => ({
  name,
  driver: 'local',
  labels: {},
  inUse,
});

/** Volumes per node; a node in `silent` fails like a node that does not answer. */
class NodesSource implements VolumeSource {
  readonly byNode = new Map<string, SessionVolume[]>();
  readonly silent = new Set<string>();
  readonly removed: string[] = [];

  async volumes(
    nodeId: string,
    op: { op: 'list' } | { op: 'remove'; name: string },
  ): Promise<SessionVolume[]> {
    if (this.silent.has(nodeId)) throw new SwarmletError('UNAVAILABLE', 'did not answer within 5s');
    const mine = this.byNode.get(nodeId) ?? [];
    if (op.op === 'list') return mine;
    this.removed.push(`${nodeId}/${op.name}`);
    this.byNode.set(
      nodeId,
      mine.filter((v) => v.name !== op.name),
    );
    return [];
  }
}

let store: MemoryStore;
let source: NodesSource;

async function failure(p: Promise<unknown>): Promise<SwarmletError> {
  try {
    await p;
  } catch (err) {
    return err as SwarmletError;
  }
  throw new Error('expected a failure');
}

beforeEach(async () => {
  store = new MemoryStore();
  source = new NodesSource();
  await store.update((tx) => {
    tx.create('node', sampleNode('n1'));
    tx.create('node', sampleNode('n2'));
    tx.create('node', sampleNode('n3', 'down'));
  });
  source.byNode.set('n1', [vol('data'), vol('cache', true)]);
  source.byNode.set('n2', [vol('data')]);
});

describe('listVolumes', () => {
  it('lists every node, sorted, and turns down or silent nodes into notices', async () => {
    source.silent.add('n2');
    const list = await listVolumes({ store, source }, {});
    expect(list.volumes.map((v) => `${v.nodeName}/${v.name}`)).toEqual(['n1/cache', 'n1/data']);
    expect(list.notices.map((n) => n.message).sort()).toEqual([
      'node n2 (n2) did not answer within 5s: its volumes are not shown',
      'node n3 (n3) is down: its volumes are not shown',
    ]);
  });

  it('asks only --node, which must answer', async () => {
    const list = await listVolumes({ store, source }, { node: 'n2' });
    expect(list.volumes.map((v) => `${v.nodeId}/${v.name}`)).toEqual(['n2/data']);
    source.silent.add('n2');
    const err = await failure(listVolumes({ store, source }, { node: 'n2' }));
    expect(isSwarmletError(err, 'UNAVAILABLE')).toBe(true);
    // Marked as the leader's answer, so a follower forwarding it does not blame the leader.
    expect(err.details).toEqual({ nodeId: 'n2' });
  });
});

describe('removeVolume', () => {
  it('removes from every node that has it', async () => {
    const res = await removeVolume({ store, source }, 'data', {});
    expect(source.removed.sort()).toEqual(['n1/data', 'n2/data']);
    expect(res.nodes.map((n) => n.nodeId).sort()).toEqual(['n1', 'n2']);
    expect(res.notices).toHaveLength(1); // n3 is down
  });

  it('removes only on --node', async () => {
    await removeVolume({ store, source }, 'data', { node: 'n2' });
    expect(source.removed).toEqual(['n2/data']);
  });

  it('refuses a volume in use, naming node and volume, and removes nothing', async () => {
    source.byNode.set('n2', [vol('cache')]);
    const err = await failure(removeVolume({ store, source }, 'cache', {}));
    expect(isSwarmletError(err, 'FAILED_PRECONDITION')).toBe(true);
    expect(err.message).toMatch(/^volume cache is in use on node n1 \(n1\)/);
    expect(source.removed).toEqual([]);
  });

  it('is NOT_FOUND when no node has it', async () => {
    const err = await failure(removeVolume({ store, source }, 'nope', {}));
    expect(isSwarmletError(err, 'NOT_FOUND')).toBe(true);
    expect(err.message).toBe('no such volume: nope (1 node(s) did not answer)');
  });
});
