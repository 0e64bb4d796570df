import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IMAGE, MANAGERS, restart, swarmlet, waitHealthy } from './helpers/compose.js';
import {
  createService,
  ensureCluster,
  listNodes,
  listServices,
  removeService,
  waitLeader,
  waitRunning,
  type ClusterState,
} from './helpers/swarm.js';

// (d) docker restart of all three managers at once: afterwards the same services and nodes, a
// leader, and writes work.

const SERVICE = 'restart-web';
const AFTER = 'restart-after';
let cluster: ClusterState;

beforeAll(async () => {
  cluster = await ensureCluster();
});
afterAll(async () => {
  for (const s of [SERVICE, AFTER]) await removeService(s);
});

describe('restart of every manager', () => {
  it('keeps services and nodes, elects a leader and accepts writes', async () => {
    await createService(cluster.leader, SERVICE, 5, DEMO_IMAGE);
    await waitRunning(SERVICE, 5);
    const services = (await listServices()).map((s) => `${s.id} ${s.spec.name} ${s.spec.replicas}`);
    const nodes = (await listNodes()).map((n) => `${n.id} ${n.spec.role}`).sort();

    const t0 = Date.now();
    await Promise.all(MANAGERS.map((m) => restart(m)));
    await Promise.all(MANAGERS.map((m) => waitHealthy(m, 90_000)));
    const tHealthy = Date.now();
    const leader = await waitLeader(MANAGERS, 30_000);
    const tLeader = Date.now();
    console.log(
      `manager restart: 3 managers healthy ${tHealthy - t0} ms after docker restart, ` +
        `leader ${leader} agreed on after ${tLeader - t0} ms`,
    );

    for (const m of MANAGERS) {
      const mine = (await listServices(m)).map((s) => `${s.id} ${s.spec.name} ${s.spec.replicas}`);
      expect(mine, `services on ${m}`).toEqual(services);
      expect((await listNodes(m)).map((n) => `${n.id} ${n.spec.role}`).sort(), m).toEqual(nodes);
    }
    // Writes work, on the leader and forwarded from a follower.
    const follower = MANAGERS.find((m) => m !== leader)!;
    await createService(follower, AFTER, 1, DEMO_IMAGE);
    await swarmlet(leader, 'service', 'scale', '--detach', `${SERVICE}=6`);
    for (const m of MANAGERS) {
      const names = (await listServices(m)).map((s) => `${s.spec.name}=${s.spec.replicas}`);
      expect(names, m).toEqual(expect.arrayContaining([`${SERVICE}=6`, `${AFTER}=1`]));
    }
    // And the services run again (the managers' engines restarted with them).
    await waitRunning(SERVICE, 6, { timeoutMs: 60_000 });
    await waitRunning(AFTER, 1, { timeoutMs: 30_000 });
    console.log(`manager restart: services converged ${Date.now() - t0} ms after docker restart`);
  });
});
