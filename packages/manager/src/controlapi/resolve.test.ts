import { describe, expect, it } from 'vitest';
import { isSwarmletError, type Node, type Service, type Task } from '@swarmlet/api-types';
import { sampleService, sampleTask, type ReadTx } from '@swarmlet/store';
import { resolveNode, resolveService, resolveTask } from './resolve.js';

const meta = { version: 1, createdAt: '', updatedAt: '' };
const service = (id: string, name: string): Service => ({ ...sampleService(name), id, meta });
const node = (id: string, hostname: string): Node => ({
  id,
  meta,
  spec: { role: 'worker', availability: 'active', labels: {} },
  description: {
    hostname,
    platform: { os: 'linux', arch: 'x86_64' },
    resources: { nanoCpus: 0, memoryBytes: 0 },
    engine: { version: '', labels: {} },
  },
  status: { state: 'ready', message: '', addr: '' },
});
const task = (id: string, svc: Service, slot: number): Task => ({
  ...sampleTask(svc, slot),
  id,
  meta,
});

/** A read-only view over fixed objects. */
function view(objects: { service?: Service[]; node?: Node[]; task?: Task[] }): ReadTx {
  const all = (kind: string): { id: string }[] =>
    (objects as Record<string, { id: string }[] | undefined>)[kind] ?? [];
  return {
    get: (kind, id) => all(kind).find((o) => o.id === id) as never,
    find: (kind, pred) => all(kind).filter((o) => !pred || pred(o as never)) as never,
    tasksOfService: (id) => (objects.task ?? []).filter((t) => t.serviceId === id),
    tasksOfNode: (id) => (objects.task ?? []).filter((t) => t.nodeId === id),
  };
}

function errorOf(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    if (isSwarmletError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  return undefined;
}

describe('resolveService', () => {
  const web = service('abc123', 'web');
  const api = service('abd456', 'api');
  // A service named like another's id prefix.
  const tricky = service('fff000', 'abc');
  const tx = view({ service: [web, api, tricky] });

  it('finds by exact id', () => {
    expect(resolveService(tx, 'abc123')).toBe(web);
  });

  it('finds by exact name', () => {
    expect(resolveService(tx, 'api')).toBe(api);
  });

  it('prefers a name over an id prefix', () => {
    expect(resolveService(tx, 'abc')).toBe(tricky);
  });

  it('finds by a unique id prefix', () => {
    expect(resolveService(tx, 'abd')).toBe(api);
    expect(resolveService(tx, 'f')).toBe(tricky);
  });

  it('prefers an exact id over a name equal to it', () => {
    const named = service('zzz', 'abc123');
    expect(resolveService(view({ service: [named, web] }), 'abc123')).toBe(web);
  });

  it('refuses an ambiguous prefix', () => {
    expect(errorOf(() => resolveService(tx, 'ab'))).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'service reference "ab" is ambiguous',
    });
  });

  it('reports not found, including for an empty reference', () => {
    expect(errorOf(() => resolveService(tx, 'nope'))).toEqual({
      code: 'NOT_FOUND',
      message: 'service nope not found',
    });
    expect(errorOf(() => resolveService(tx, ''))?.code).toBe('NOT_FOUND');
    expect(errorOf(() => resolveService(view({}), 'web'))?.code).toBe('NOT_FOUND');
  });
});

describe('resolveNode', () => {
  it('finds by id, hostname and unique prefix', () => {
    const a = node('n1aaaa', 'host-a');
    const b = node('n2bbbb', 'host-b');
    const tx = view({ node: [a, b] });
    expect(resolveNode(tx, 'n1aaaa')).toBe(a);
    expect(resolveNode(tx, 'host-b')).toBe(b);
    expect(resolveNode(tx, 'n2')).toBe(b);
    expect(errorOf(() => resolveNode(tx, 'n'))?.code).toBe('INVALID_ARGUMENT');
    expect(errorOf(() => resolveNode(tx, 'host-c'))).toEqual({
      code: 'NOT_FOUND',
      message: 'node host-c not found',
    });
  });

  it('refuses a hostname shared by two nodes, even when it is also a unique id prefix', () => {
    const tx = view({ node: [node('x1', 'dup'), node('x2', 'dup'), node('dup999', 'other')] });
    expect(errorOf(() => resolveNode(tx, 'dup'))).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'node reference "dup" is ambiguous',
    });
  });
});

describe('resolveTask', () => {
  const web = service('s1', 'web');
  const t1 = task('t1aaaa', web, 1);
  const t2 = task('t2bbbb', web, 2);
  const t2old = task('t3cccc', web, 2);

  it('finds by id, by service.slot name when unique, and by prefix', () => {
    const tx = view({ task: [t1, t2, t2old] });
    expect(resolveTask(tx, 't2bbbb')).toBe(t2);
    expect(resolveTask(tx, 'web.1')).toBe(t1);
    expect(resolveTask(tx, 't3')).toBe(t2old);
  });

  it('refuses a slot name shared by several tasks', () => {
    const tx = view({ task: [t1, t2, t2old] });
    expect(errorOf(() => resolveTask(tx, 'web.2'))?.code).toBe('INVALID_ARGUMENT');
  });
});
