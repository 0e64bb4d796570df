import { httpGet } from '../integration/helpers/http.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_IMAGE,
  NODES,
  NODE_ADDRS,
  TEST_IMAGE,
  innerDocker,
  type NodeName,
} from './helpers/compose.js';
import {
  ensureCluster,
  perNode,
  removeService,
  runningContainers,
  waitRunning,
  type ClusterState,
} from './helpers/swarm.js';
import { swarmlet, trySwarmlet } from './helpers/compose.js';

// Issue 5 on the 5-node cluster, each node with its own engine: task-to-task traffic across
// nodes over VXLAN, isolation between networks, service DNS in both endpoint modes, VIP round
// robin, and the ingress: the published port answers on every node, spreads evenly over the
// replicas on all nodes, and drops no request while the service scales down.

const WEB = 'netweb';
const RR = 'netrr';
const CLI = 'netcli';
const ISO = 'netiso';
const ISO_NET = 'netiso-net';
const PORT = 18500;
const HOST_SVC = 'nethost';
const HOST_PORT = 18501;
let cluster: ClusterState;

/** A shell script in the running container of `service` on `node`; stdout (or 'ERROR ...'). */
async function inTask(node: NodeName, service: string, script: string): Promise<string> {
  const [id] = await runningContainers(node, service);
  if (!id) throw new Error(`no ${service} container on ${node}`);
  return innerDocker(node, 'exec', id, 'sh', '-c', script).catch(
    (err: Error) => `ERROR ${err.message}`,
  );
}

/** Sorted addresses of an nslookup answer, or 'NXDOMAIN'. */
async function lookup(node: NodeName, name: string): Promise<string[] | 'NXDOMAIN'> {
  const out = await inTask(node, CLI, `nslookup ${name} 2>&1; true`);
  if (/NXDOMAIN|can't find/.test(out)) return 'NXDOMAIN';
  const answer = out.slice(out.indexOf('Name:'));
  return [...answer.matchAll(/Address: (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!).sort();
}

const slotOf = (body: string): string => /hello from \w+\.(\d+)/.exec(body)?.[1] ?? `bad: ${body}`;
const addrOf = (t: { networks?: { addr: string }[] }): string =>
  (t.networks?.[0]?.addr ?? '').split('/')[0]!;

beforeAll(async () => {
  cluster = await ensureCluster();
  const m = cluster.leader;
  await swarmlet(m, 'network', 'create', ISO_NET);
  const create = (...args: string[]) => swarmlet(m, 'service', 'create', '--detach', ...args);
  await create('--name', WEB, '--replicas', '10', '-p', `${PORT}:80`, DEMO_IMAGE);
  await create('--name', RR, '--replicas', '2', '--endpoint-mode', 'dnsrr', DEMO_IMAGE);
  await create('--name', ISO, '--network', ISO_NET, DEMO_IMAGE);
  await create('--name', CLI, '--replicas', '5', TEST_IMAGE, 'sleep', '3600');
  await create('--name', HOST_SVC, '-p', `published=${HOST_PORT},target=80,mode=host`, DEMO_IMAGE);
  await waitRunning(WEB, 10, { timeoutMs: 90_000 });
  await waitRunning(RR, 2);
  await waitRunning(ISO, 1);
  const clients = await waitRunning(CLI, 5);
  expect(Object.values(perNode(clients, cluster.names))).toEqual([1, 1, 1, 1, 1]);
});

afterAll(async () => {
  for (const s of [WEB, RR, ISO, CLI, HOST_SVC]) await removeService(s).catch(() => undefined);
  await trySwarmlet(cluster.leader, ['network', 'rm', ISO_NET]);
});

describe('overlay networking across 5 nodes', () => {
  it('every client task reaches every web task on every node at its overlay address', async () => {
    const tasks = await waitRunning(WEB, 10);
    expect(new Set(tasks.map((t) => t.nodeId)).size).toBe(5);
    const script = tasks
      .map((t) => `timeout 3 wget -qO- http://${addrOf(t)}/ || echo FAIL ${addrOf(t)}`)
      .join('; ');
    for (const node of NODES) {
      const out = await inTask(node, CLI, script);
      const slots = out
        .split('\n')
        .filter((l) => l !== '')
        .map(slotOf)
        .sort();
      expect(slots, `from ${node}`).toEqual(tasks.map((t) => String(t.slot)).sort());
    }
  });

  it('keeps networks apart: another network is neither resolvable nor reachable', async () => {
    const [iso] = await waitRunning(ISO, 1);
    expect(await lookup('w1', ISO)).toBe('NXDOMAIN');
    const out = await inTask('w1', CLI, `timeout 2 wget -qO- http://${addrOf(iso!)}/ || echo FAIL`);
    expect(out.trim()).toBe('FAIL');
  });

  it('DNS answers the VIP, tasks.<service> and dnsrr from any node', async () => {
    const [svc] = JSON.parse(await swarmlet('m1', 'service', 'inspect', WEB)) as {
      endpoint?: { vips: { addr: string }[] };
    }[];
    const vip = svc?.endpoint?.vips[0]?.addr.split('/')[0];
    const web = (await waitRunning(WEB, 10)).map(addrOf).sort();
    const rr = (await waitRunning(RR, 2)).map(addrOf).sort();
    for (const node of ['m1', 'w2'] as const) {
      expect(await lookup(node, WEB)).toEqual([vip]);
      expect(await lookup(node, `tasks.${WEB}`)).toEqual(web);
      expect(await lookup(node, RR)).toEqual(rr);
      expect(await lookup(node, 'no-such-service')).toBe('NXDOMAIN');
    }
  });

  it('balances VIP connections round robin over the tasks on all nodes', async () => {
    const out = await inTask(
      'w2',
      CLI,
      `for i in $(seq 20); do timeout 3 wget -qO- http://${WEB}/; done`,
    );
    const counts = new Map<string, number>();
    for (const l of out.split('\n').filter((x) => x !== '')) {
      const s = slotOf(l);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual(Array(10).fill(2));
  });

  it('the published port answers on every node', async () => {
    for (const node of NODES) expect(await httpGet(NODE_ADDRS[node], PORT)).toMatch(/hello from/);
  });

  it('a host-mode port answers only on the node running the task', async () => {
    const [task] = await waitRunning(HOST_SVC, 1);
    const home = cluster.names.byId.get(task!.nodeId)!;
    expect(await httpGet(NODE_ADDRS[home], HOST_PORT)).toMatch(/hello from nethost\.1/);
    const other = NODES.find((n) => n !== home)!;
    await expect(httpGet(NODE_ADDRS[other], HOST_PORT)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('1,000 requests through one node: every replica on every node within 10% of an even share', async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const s = slotOf(await httpGet(NODE_ADDRS.w1, PORT));
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    console.log(`ingress: per replica ${JSON.stringify(Object.fromEntries(counts))}`);
    expect(counts.size).toBe(10);
    for (const [slot, n] of counts) {
      expect(n, `replica ${slot}`).toBeGreaterThanOrEqual(90);
      expect(n, `replica ${slot}`).toBeLessThanOrEqual(110);
    }
  });

  it('drops no request while scaling 10 -> 3 under a steady load', async () => {
    let ok = 0;
    const failures: string[] = [];
    let stop = false;
    const load = (async () => {
      const end = Date.now() + 60_000;
      let i = 0;
      while (!stop && Date.now() < end) {
        const node = NODES[i++ % NODES.length]!;
        try {
          const body = await httpGet(NODE_ADDRS[node], PORT);
          if (body.includes('hello from')) ok++;
          else failures.push(`${node}: ${body}`);
        } catch (err) {
          failures.push(`${node}: ${(err as Error).message}`);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    await swarmlet(cluster.leader, 'service', 'scale', '--detach', `${WEB}=3`);
    await waitRunning(WEB, 3, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 2000));
    stop = true;
    await load;
    console.log(`scale 10->3: ${ok} requests answered, ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(50);
  });
});
