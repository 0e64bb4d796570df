import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSwarmletError, type Task } from '@swarmlet/api-types';
import { WebSocket, type ClientOptions } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerClient, requireImage } from './helpers/docker.js';
import { HEARTBEAT_MS, LoopbackCluster, waitFor, type Member } from './helpers/cluster.js';

/**
 * Multi-node behaviour with real swarmletd processes on loopback, sharing the local engine:
 * each daemon is its own node with its own node id, certificates, Raft log and cluster port.
 * (The docker-compose suite in test/cluster runs the same cluster with one engine per node.)
 */

const IMAGE = 'swarmlet/demo-web:latest';

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

/** Opens `/raft` on `target` as `as` (its certificate) claiming `claim`; says what happened. */
async function raftUpgrade(target: Member, as: Member | undefined, claim: string): Promise<string> {
  const certs = (m: Member): string => join(m.d.dataDir, 'certs');
  const ca = await readFile(join(certs(target), 'ca.crt'));
  const opts = {
    ca,
    headers: { 'x-swarmlet-raft-node': claim },
    checkServerIdentity: () => undefined,
    ...(as
      ? {
          cert: await readFile(join(certs(as), 'node.crt')),
          key: await readFile(join(certs(as), 'node.key')),
        }
      : {}),
  } as unknown as ClientOptions;
  return new Promise((resolve) => {
    const ws = new WebSocket(`wss://${target.addr}/raft`, opts);
    const done = (r: string): void => {
      ws.terminate();
      resolve(r);
    };
    ws.on('unexpected-response', (_q, res) => done(`HTTP ${res.statusCode ?? 0}`));
    ws.on('error', (e) => done(`error ${e.message}`));
    ws.on('close', (code) => done(`closed ${code}`));
    ws.on('open', () => setTimeout(() => ws.readyState === WebSocket.OPEN && done('open'), 300));
  });
}

function running(tasks: Task[]): Task[] {
  return tasks.filter((t) => t.desiredState === 'running' && t.status.state === 'running');
}

async function nodeIdOf(m: Member): Promise<string> {
  return (await m.d.client.info()).nodeId;
}

describe('three managers and a worker on loopback', () => {
  const c = new LoopbackCluster(4310);
  let m1: Member, m2: Member, m3: Member, w1: Member;

  beforeAll(async () => {
    await requireImage(await dockerClient(), IMAGE);
    [m1, m2, m3, w1] = [await c.add(), await c.add(), await c.add(), await c.add()];
    await c.init(m1);
    await c.join(m2, m1, 'manager');
    await c.join(m3, m2, 'manager'); // through a follower: it must still reach the leader
    await c.join(w1, m1, 'worker');
    await waitFor(
      async () => {
        const nodes = await m1.d.client.listNodes();
        return (
          nodes.length === 4 &&
          nodes.filter((n) => n.managerStatus?.reachability === 'reachable').length === 3 &&
          nodes.every((n) => n.status.state === 'ready')
        );
      },
      20_000,
      '3 reachable managers and 4 ready nodes',
    );
  }, 120_000);
  afterAll(() => c.dispose(), 60_000);

  it('every manager sees the same nodes, one leader, and the worker refuses cluster commands', async () => {
    for (const m of [m1, m2, m3]) {
      const nodes = await m.d.client.listNodes();
      expect(nodes).toHaveLength(4);
      expect(nodes.filter((n) => n.managerStatus?.leader)).toHaveLength(1);
    }
    expect((await c.info(w1)).role).toBe('worker');
    const err = await errorOf(w1.d.client.listServices());
    expect(isSwarmletError(err, 'FAILED_PRECONDITION')).toBe(true);
    expect((err as Error).message).toMatch(/worker/);
  });

  it('a write on a follower is forwarded to the leader and read back on another manager', async () => {
    const leader = await c.leader();
    const follower = [m1, m2, m3].find((m) => m !== leader) as Member;
    const other = [m1, m2, m3].find((m) => m !== leader && m !== follower) as Member;
    const svc = await follower.d.client.createService({
      name: 'fwd',
      replicas: 8,
      task: { container: { image: IMAGE } },
    });
    // Linearizable read on a third manager: the write is visible at once.
    expect((await other.d.client.getService('fwd')).id).toBe(svc.id);
    await waitFor(
      async () => running(await m1.d.client.listTasks({ service: 'fwd' })).length === 8,
      60_000,
      '8 running tasks',
    );
    const nodes = new Set(
      running(await m1.d.client.listTasks({ service: 'fwd' })).map((t) => t.nodeId),
    );
    expect(nodes.size).toBe(4); // spread over all four nodes
  });

  it('join tokens: a forged, a rotated and another cluster token are refused', async () => {
    const extra = await c.add();
    const tokens = await m1.d.client.joinTokens();
    const forged = tokens.worker.replace(/.{5}$/, '00000');
    let err = await errorOf(
      extra.d.client.join({ token: forged, remoteAddr: m1.addr, advertiseAddr: extra.addr }),
    );
    expect(isSwarmletError(err, 'UNAUTHORIZED')).toBe(true);
    expect((err as Error).message).toMatch(/invalid join token/);

    const rotated = await m2.d.client.rotateJoinToken('worker');
    expect(rotated.worker).not.toBe(tokens.worker);
    expect(rotated.manager).toBe(tokens.manager);
    err = await errorOf(
      extra.d.client.join({ token: tokens.worker, remoteAddr: m1.addr, advertiseAddr: extra.addr }),
    );
    expect(isSwarmletError(err, 'UNAUTHORIZED')).toBe(true);

    const malformed = await errorOf(
      extra.d.client.join({ token: 'SWLTKN-1-nope', remoteAddr: m1.addr }),
    );
    expect(isSwarmletError(malformed, 'INVALID_ARGUMENT')).toBe(true);
    // Nothing was half-joined.
    expect((await c.info(extra)).state).toBe('inactive');
    expect(await m1.d.client.listNodes()).toHaveLength(4);
  });

  it('API over TCP: 401 without credentials, 403 for a worker certificate or read-only token', async () => {
    await m1.d.client.createService({
      name: 'tcp',
      replicas: 0,
      task: { container: { image: IMAGE } },
    });
    const anon = await c.tcpClient(m1, {});
    expect(isSwarmletError(await errorOf(anon.listServices()), 'UNAUTHORIZED')).toBe(true);

    const asWorker = await c.tcpClient(m1, { certsOf: w1 });
    expect(isSwarmletError(await errorOf(asWorker.listServices()), 'FORBIDDEN')).toBe(true);

    const asManager = await c.tcpClient(m2, { certsOf: m3 });
    expect((await asManager.listServices()).map((s) => s.spec.name)).toContain('tcp');

    const admin = await m2.d.client.createApiToken({ name: 'ci-admin' });
    const ro = await m2.d.client.createApiToken({ name: 'ci-ro', role: 'readonly' });
    const byAdmin = await c.tcpClient(m3, { token: admin.token });
    const byRo = await c.tcpClient(m3, { token: ro.token });
    expect((await byRo.listNodes()).length).toBe(4);
    expect(isSwarmletError(await errorOf(byRo.scaleService('tcp', 2)), 'FORBIDDEN')).toBe(true);
    await byAdmin.scaleService('tcp', 1);
    expect((await m1.d.client.getService('tcp')).spec.replicas).toBe(1);
    await byAdmin.removeService('tcp');
    expect((await m1.d.client.listApiTokens()).map((t) => t.name).sort()).toEqual([
      'ci-admin',
      'ci-ro',
    ]);
    // The stored form never contains the token.
    expect(JSON.stringify(await m1.d.client.getCluster())).not.toContain(admin.token);

    await m1.d.client.removeApiToken('ci-admin');
    // Revocation reaches each manager when it applies the change (milliseconds on followers).
    await waitFor(
      async () => isSwarmletError(await errorOf(byAdmin.listNodes()), 'UNAUTHORIZED'),
      5_000,
      'revoked token refused',
    );
    for (const cl of [anon, asWorker, asManager, byAdmin, byRo]) await cl.close();
  });

  it('Raft accepts only manager certificates naming the node they claim', async () => {
    const wid = await nodeIdOf(w1);
    const m3id = await nodeIdOf(m3);
    // No certificate: 401; a worker's: 403; a manager's claiming another node: closed at once.
    expect(await raftUpgrade(m1, undefined, 'x')).toBe('HTTP 401');
    expect(await raftUpgrade(m1, w1, wid)).toBe('HTTP 403');
    expect(await raftUpgrade(m1, m3, 'someone-else')).toMatch(/^closed 1008/);
    expect(await raftUpgrade(m1, m3, m3id)).toBe('open');
  });

  it('a worker that stops heartbeating is DOWN and its tasks run elsewhere; back, its stale containers stop', async () => {
    const wid = await nodeIdOf(w1);
    const before = running(await m1.d.client.listTasks({ service: 'fwd' }));
    const onWorker = before.filter((t) => t.nodeId === wid);
    expect(onWorker.length).toBeGreaterThan(0);
    const t0 = Date.now();
    await w1.d.kill('SIGKILL');
    await waitFor(
      async () => {
        const tasks = running(await m1.d.client.listTasks({ service: 'fwd' }));
        return tasks.length === before.length && tasks.every((t) => t.nodeId !== wid);
      },
      30_000,
      'tasks moved off the lost worker',
    );
    const moved = Date.now() - t0;
    // Heartbeat grace (3 periods) plus a start: well under the 15 s Swarm needs with 5 s beats.
    expect(moved).toBeLessThan(3 * HEARTBEAT_MS + 10_000);
    expect((await m1.d.client.getNode(wid)).status.state).toBe('down');

    await w1.d.start();
    await waitFor(
      async () => (await m1.d.client.getNode(wid)).status.state === 'ready',
      20_000,
      'worker ready again',
    );
    await waitFor(
      async () => {
        const mine = (await m1.d.client.listTasks({ service: 'fwd' })).filter(
          (t) => t.nodeId === wid,
        );
        return mine.every((t) => t.status.state !== 'running');
      },
      20_000,
      'stale tasks on the returning worker stopped',
    );
    expect(running(await m1.d.client.listTasks({ service: 'fwd' }))).toHaveLength(before.length);
  });

  it('drain moves tasks off a node; active takes new ones again', async () => {
    const wid = await nodeIdOf(w1);
    await m2.d.client.scaleService('fwd', 12);
    await waitFor(
      async () =>
        running(await m1.d.client.listTasks({ service: 'fwd' })).some((t) => t.nodeId === wid),
      30_000,
      'a task on the worker',
    );
    await m3.d.client.updateNode(wid, { availability: 'drain' });
    await waitFor(
      async () => {
        const tasks = running(await m1.d.client.listTasks({ service: 'fwd' }));
        return tasks.length === 12 && tasks.every((t) => t.nodeId !== wid);
      },
      30_000,
      'drained',
    );
    await m3.d.client.updateNode(wid, { availability: 'active' });
    expect((await m1.d.client.getNode(wid)).spec.availability).toBe('active');
  });

  it('promote and demote: the worker joins Raft as a voter, then leaves it', async () => {
    const wid = await nodeIdOf(w1);
    await m1.d.client.updateNode(wid, { role: 'manager' });
    await waitFor(
      async () => (await m1.d.client.getNode(wid)).managerStatus?.reachability === 'reachable',
      30_000,
      'promoted node reachable in Raft',
    );
    expect((await c.info(w1)).role).toBe('manager');
    // It serves the control API now.
    expect((await w1.d.client.listServices()).map((s) => s.spec.name)).toContain('fwd');

    await m2.d.client.updateNode(wid, { role: 'worker' });
    await waitFor(
      async () => (await m1.d.client.getNode(wid)).managerStatus === undefined,
      30_000,
      'demoted node out of Raft',
    );
    await waitFor(async () => (await c.info(w1)).role === 'worker', 20_000, 'worker again');
    expect(isSwarmletError(await errorOf(w1.d.client.listServices()), 'FAILED_PRECONDITION')).toBe(
      true,
    );
  });

  it('kill -9 of the leader: a new leader within 3 s, writes go on, nothing committed is lost', async () => {
    const old = await c.leader();
    const before = await m1.d.client.listServices().catch(() => m2.d.client.listServices());
    const others = [m1, m2, m3].filter((m) => m !== old);
    const t0 = Date.now();
    await old.d.kill('SIGKILL');
    const next = await c.leader(10_000);
    const elected = Date.now() - t0;
    expect(others).toContain(next);
    expect(elected).toBeLessThan(3_000);
    const survivor = others.find((m) => m !== next) as Member;
    await survivor.d.client.createService({
      name: 'after-failover',
      replicas: 1,
      task: { container: { image: IMAGE } },
    });
    const names = (await next.d.client.listServices()).map((s) => s.spec.name);
    for (const s of before) expect(names).toContain(s.spec.name);
    expect(names).toContain('after-failover');

    // The old leader rejoins as a follower and catches up with no operator action.
    await old.d.start();
    await waitFor(
      async () =>
        (await old.d.client.listServices().catch(() => [])).some(
          (s) => s.spec.name === 'after-failover',
        ),
      30_000,
      'old leader caught up',
    );
    expect((await c.info(old)).isLeader).toBe(false);
  });

  it('restarting every manager keeps the state', async () => {
    const services = (await m1.d.client.listServices()).map((s) => s.id).sort();
    const nodes = (await m1.d.client.listNodes()).map((n) => n.id).sort();
    for (const m of [m1, m2, m3]) await m.d.kill('SIGKILL');
    for (const m of [m1, m2, m3]) await m.d.start();
    await c.leader(15_000);
    for (const m of [m1, m2, m3]) {
      await waitFor(
        async () =>
          (await m.d.client.listServices().catch(() => []))
            .map((s) => s.id)
            .sort()
            .join() === services.join(),
        30_000,
        'services back',
      );
      expect((await m.d.client.listNodes()).map((n) => n.id).sort()).toEqual(nodes);
    }
  });

  it('a manager leaves only with --force; a worker leaves and its containers go', async () => {
    const err = await errorOf(m3.d.client.leave({}));
    expect(isSwarmletError(err, 'FAILED_PRECONDITION')).toBe(true);
    expect((err as Error).message).toMatch(/demote/);
    const wid = await nodeIdOf(w1);
    await w1.d.client.leave({});
    expect((await c.info(w1)).state).toBe('inactive');
    const { execFileSync } = await import('node:child_process');
    const left = execFileSync('docker', [
      'ps',
      '-aq',
      '--filter',
      `label=io.swarmlet.node.id=${wid}`,
    ])
      .toString()
      .trim();
    expect(left).toBe('');
    // The node stays listed (down) until removed; a manager cannot be removed.
    await waitFor(
      async () => (await m1.d.client.getNode(wid)).status.state === 'down',
      10_000,
      'left worker down',
    );
    expect(
      isSwarmletError(
        await errorOf(m1.d.client.removeNode(await nodeIdOf(m3))),
        'FAILED_PRECONDITION',
      ),
    ).toBe(true);
    await m1.d.client.removeNode(wid);
    expect(isSwarmletError(await errorOf(m1.d.client.getNode(wid)), 'NOT_FOUND')).toBe(true);
  });
});

describe('quorum loss and --force-new-cluster', () => {
  const c = new LoopbackCluster(4330);
  afterAll(() => c.dispose(), 60_000);

  it('after losing two of three managers, the survivor refuses writes until forced into a new cluster', async () => {
    await requireImage(await dockerClient(), IMAGE);
    const [a, b, d] = [await c.add(), await c.add(), await c.add()];
    await c.init(a);
    await c.join(b, a, 'manager');
    await c.join(d, a, 'manager');
    await waitFor(
      async () =>
        (await a.d.client.listNodes()).filter((n) => n.managerStatus?.reachability === 'reachable')
          .length === 3,
      20_000,
      'three reachable managers',
    );
    await a.d.client.createService({
      name: 'keep',
      replicas: 1,
      task: { container: { image: IMAGE } },
    });
    await b.d.kill('SIGKILL');
    await d.d.kill('SIGKILL');
    const refused = await errorOf(
      a.d.client.createService({
        name: 'nope',
        replicas: 1,
        task: { container: { image: IMAGE } },
      }),
    );
    expect(isSwarmletError(refused, 'UNAVAILABLE')).toBe(true);

    await a.d.client.init({ forceNewCluster: true });
    await waitFor(async () => (await c.info(a)).isLeader === true, 10_000, 'a leads alone');
    await a.d.client.createService({
      name: 'after',
      replicas: 1,
      task: { container: { image: IMAGE } },
    });
    const names = (await a.d.client.listServices()).map((s) => s.spec.name).sort();
    expect(names).toEqual(['after', 'keep']);
    const managers = (await a.d.client.listNodes()).filter((n) => n.spec.role === 'manager');
    expect(managers.map((n) => n.id)).toEqual([(await c.info(a)).nodeId]);
    // And it survives its own restart as a one-manager cluster.
    await a.d.restart();
    await waitFor(async () => (await c.info(a)).isLeader === true, 10_000, 'leads after restart');
    expect((await a.d.client.listServices()).map((s) => s.spec.name).sort()).toEqual(names);
  }, 120_000);
});

describe('certificate renewal', () => {
  const c = new LoopbackCluster(4340);
  afterAll(() => c.dispose(), 60_000);

  it('nodes renew short-lived certificates on their own and stay connected', async () => {
    const [a, w] = [await c.add(), await c.add()];
    await c.init(a, { certExpiryMs: 12_000 });
    await c.join(w, a, 'worker');
    const first = (await c.info(w)).certExpiresAt as string;
    const firstMgr = (await c.info(a)).certExpiresAt as string;
    await waitFor(
      async () =>
        (await c.info(w)).certExpiresAt !== first && (await c.info(a)).certExpiresAt !== firstMgr,
      20_000,
      'both certificates renewed',
    );
    // Past the first certificate's expiry, a restarted worker reconnects with the renewed one.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(first) - Date.now() + 1_000)));
    const wid = (await c.info(w)).nodeId;
    const sessions = async (): Promise<number> =>
      (await a.d.log())
        .split('\n')
        .filter((l) => l.includes('agent session started') && l.includes(wid)).length;
    const before = await sessions();
    await w.d.restart();
    await waitFor(async () => (await sessions()) > before, 15_000, 'a new session after expiry');
    expect((await a.d.client.getNode(wid)).status.state).toBe('ready');
  }, 90_000);
});
