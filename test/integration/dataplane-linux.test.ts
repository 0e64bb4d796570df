/**
 * The Linux data plane against the real kernel, in network namespaces this file creates and
 * deletes: two "node" namespaces joined by a veth (the underlay), each with Linux bridges and
 * VXLAN devices (the overlays), "container" namespaces on the bridges, and a "client" namespace
 * behind node A. No traffic leaves these namespaces. Needs root, `ip`, `bridge`, `nsenter`,
 * iptables (nft or legacy) and a kernel with vxlan, xt_statistic, MASQUERADE and br_netfilter.
 *
 *   client 172.31.213.2 ── 172.31.213.1 node A 192.168.213.1 ══ 192.168.213.2 node B
 *                                     br1 (VNI 4213) 10.213.0.254      br1 10.213.0.253
 *                                       a1 .1, a2 .2                     b1 .11, b2 .12
 *                                     br2 (VNI 4214, no address)       br2
 *                                       x .101                           y .102
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INGRESS_FILTER_JUMPS,
  INGRESS_NAT_JUMPS,
  SANDBOX_VIP_JUMPS,
  SANDBOX_VIP_REJECT_JUMPS,
  applyChains,
  ensureVxlan,
  execShell,
  inNamedNetns,
  inNetns,
  ingressFilterRules,
  ingressNatRules,
  macForIp,
  removeChains,
  sandboxVipRejectRules,
  sandboxVipRules,
  setVxlanMacs,
  setVxlanPeers,
  type Shell,
} from '@swarmlet/network';

const sh = execShell();
const id = randomBytes(3).toString('hex');
const NODE_A = { ns: `swlt-${id}-na`, underlay: '192.168.213.1', br1: '10.213.0.254' };
const NODE_B = { ns: `swlt-${id}-nb`, underlay: '192.168.213.2', br1: '10.213.0.253' };
const CLIENT = { ns: `swlt-${id}-cl`, addr: '172.31.213.2', gateway: '172.31.213.1' };
const VNI1 = 4213;
const VNI2 = 4214;
const MTU = 1450;
const PORT = 7000;

interface Container {
  name: string;
  ns: string;
  node: typeof NODE_A;
  ip: string;
  server?: ChildProcess;
}

const containers: Record<string, Container> = {};
const namespaces: string[] = [];
const processes: ChildProcess[] = [];

const SERVER = `
const net = require('net');
const [name, port] = process.argv.slice(1);
net.createServer((s) => { s.on('error', () => {}); s.end(name + ' ' + s.remoteAddress + '\\n'); })
  .listen(Number(port), '0.0.0.0', () => console.log('ready'));
`;

/** Opens `count` TCP connections one after the other; prints [{reply}|{err, ms}] as JSON. */
const CLIENT_SCRIPT = `
const net = require('net');
const [host, port, count, timeout] = process.argv.slice(1);
function one() {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = net.connect({ host, port: Number(port) });
    let buf = '';
    const timer = setTimeout(() => { s.destroy(); resolve({ err: 'TIMEOUT', ms: Date.now() - t0 }); }, Number(timeout));
    s.on('data', (d) => { buf += d; });
    s.on('end', () => { clearTimeout(timer); resolve({ reply: buf.trim(), ms: Date.now() - t0 }); });
    s.on('error', (e) => { clearTimeout(timer); resolve({ err: e.code, ms: Date.now() - t0 }); });
  });
}
(async () => { const out = []; for (let i = 0; i < Number(count); i++) out.push(await one()); console.log(JSON.stringify(out)); })();
`;

/** Prints `ready`, then `<message> <source address>` per datagram. */
const UDP_RECEIVER = `
const s = require('dgram').createSocket('udp4');
s.on('message', (m, r) => console.log(m.toString() + ' ' + r.address));
s.bind(Number(process.argv[1]), '0.0.0.0', () => console.log('ready'));
`;

/** Sends m0, m1, m2 from one socket, 50 ms apart, and never expects a reply. */
const UDP_SENDER = `
const s = require('dgram').createSocket('udp4');
const [host, port] = process.argv.slice(1);
let i = 0;
const t = setInterval(() => { s.send('m' + i, Number(port), host); if (++i === 3) { clearInterval(t); setTimeout(() => s.close(), 50); } }, 50);
`;

interface Attempt {
  reply?: string;
  err?: string;
  ms: number;
}

const netns = (ns: string): Shell => inNamedNetns(sh, ns);
const ip = (ns: string, ...args: string[]): Promise<string> => sh.run('ip', ['-n', ns, ...args]);

async function addNamespace(ns: string): Promise<void> {
  await sh.run('ip', ['netns', 'add', ns]);
  namespaces.push(ns);
  await ip(ns, 'link', 'set', 'lo', 'up');
}

async function setUpNode(node: typeof NODE_A, peer: typeof NODE_A): Promise<void> {
  const run = netns(node.ns);
  await run.run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  for (const [br, vx, vni] of [
    ['br1', 'vx1', VNI1],
    ['br2', 'vx2', VNI2],
  ] as const) {
    await ip(node.ns, 'link', 'add', br, 'mtu', String(MTU), 'type', 'bridge');
    await ip(node.ns, 'link', 'set', br, 'up');
    await ensureVxlan(run, { device: vx, vni, bridge: br, localAddr: node.underlay, mtu: MTU });
    await setVxlanPeers(run, vx, [peer.underlay]);
  }
  await ip(node.ns, 'addr', 'add', `${node.br1}/24`, 'dev', 'br1');
  // Docker's filter setup: FORWARD policy DROP, DOCKER-USER first, traffic inside a bridge
  // accepted. With bridge-nf-call-iptables=1 (the default here, per namespace), bridged frames
  // traverse FORWARD as `-i br1 -o br1`.
  const restore = [
    '*filter',
    ':FORWARD DROP [0:0]',
    ':DOCKER-USER - [0:0]',
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -i br1 -o br1 -j ACCEPT',
    '-A FORWARD -i br2 -o br2 -j ACCEPT',
    'COMMIT',
    '',
  ].join('\n');
  await run.run('iptables-restore', ['--noflush'], { input: restore });
}

async function addContainer(name: string, node: typeof NODE_A, bridge: string, addr: string) {
  const c: Container = { name, ns: `swlt-${id}-${name}`, node, ip: addr };
  await addNamespace(c.ns);
  const host = `v${id}${name}`;
  await ip(
    node.ns,
    'link',
    'add',
    host,
    'mtu',
    String(MTU),
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    c.ns,
  );
  await ip(node.ns, 'link', 'set', host, 'master', bridge, 'up');
  await ip(c.ns, 'link', 'set', 'eth0', 'address', macForIp(addr), 'mtu', String(MTU), 'up');
  await ip(c.ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
  c.server = await startServer(c);
  containers[name] = c;
  return c;
}

/** Runs `node -e script ...args` in namespace `ns`; the process is killed in afterAll. */
function spawnNode(ns: string, script: string, args: readonly string[]): ChildProcess {
  const child = spawn('nsenter', [`--net=/var/run/netns/${ns}`, 'node', '-e', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  processes.push(child);
  return child;
}

function collectLines(child: ChildProcess): string[] {
  const lines: string[] = [];
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  return lines;
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts the reply server in the container's namespace; resolves once it listens (≤ 5 s). */
function startServer(c: Container): Promise<ChildProcess> {
  const child = spawn(
    'nsenter',
    [`--net=/var/run/netns/${c.ns}`, 'node', '-e', SERVER, c.name, String(PORT)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  processes.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server ${c.name} not ready in 5 s`)), 5000);
    createInterface({ input: child.stdout! }).once('line', () => {
      clearTimeout(timer);
      resolve(child);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server ${c.name} exited with ${code}`));
    });
  });
}

/** Runs CLIENT_SCRIPT in namespace `ns` (bounded by count × timeout + 5 s). */
async function connect(ns: string, host: string, port: number, count: number, timeoutMs: number) {
  const out = await execShell({ timeoutMs: count * timeoutMs + 5000 }).run('nsenter', [
    `--net=/var/run/netns/${ns}`,
    'node',
    '-e',
    CLIENT_SCRIPT,
    host,
    String(port),
    String(count),
    String(timeoutMs),
  ]);
  return JSON.parse(out) as Attempt[];
}

const container = (name: string): Container => {
  const c = containers[name];
  if (c === undefined) throw new Error(`no container ${name}`);
  return c;
};

async function rxPackets(ns: string, dev: string): Promise<number> {
  const [link] = JSON.parse(await ip(ns, '-s', '-j', 'link', 'show', 'dev', dev)) as {
    stats64: { rx: { packets: number } };
  }[];
  return link?.stats64.rx.packets ?? Number.NaN;
}

async function fdbOf(ns: string, dev: string) {
  const rows = JSON.parse(await netns(ns).run('bridge', ['-j', 'fdb', 'show', 'dev', dev])) as {
    mac: string;
    dst?: string;
    master?: string;
  }[];
  return rows
    .filter((r) => r.dst !== undefined && r.master === undefined)
    .map((r) => `${r.mac} ${r.dst}`);
}

async function cleanUp(): Promise<void> {
  await Promise.all(
    processes.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return resolve();
          const timer = setTimeout(resolve, 2000);
          p.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          process.kill(p.pid, 'SIGKILL');
        }),
    ),
  );
  // Deleting a namespace destroys its interfaces; veth peers in other namespaces go with them.
  for (const ns of namespaces.reverse()) {
    await sh.run('ip', ['netns', 'del', ns]).catch(() => undefined);
  }
}

beforeAll(async () => {
  try {
    await addNamespace(NODE_A.ns);
    await addNamespace(NODE_B.ns);
    await addNamespace(CLIENT.ns);
    await ip(
      NODE_A.ns,
      'link',
      'add',
      'ul0',
      'type',
      'veth',
      'peer',
      'name',
      'ul0',
      'netns',
      NODE_B.ns,
    );
    await ip(NODE_A.ns, 'addr', 'add', `${NODE_A.underlay}/24`, 'dev', 'ul0');
    await ip(NODE_B.ns, 'addr', 'add', `${NODE_B.underlay}/24`, 'dev', 'ul0');
    await ip(NODE_A.ns, 'link', 'set', 'ul0', 'up');
    await ip(NODE_B.ns, 'link', 'set', 'ul0', 'up');
    await ip(
      NODE_A.ns,
      'link',
      'add',
      'cl0',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      CLIENT.ns,
    );
    await ip(NODE_A.ns, 'addr', 'add', `${CLIENT.gateway}/24`, 'dev', 'cl0');
    await ip(NODE_A.ns, 'link', 'set', 'cl0', 'up');
    await ip(CLIENT.ns, 'addr', 'add', `${CLIENT.addr}/24`, 'dev', 'eth0');
    await ip(CLIENT.ns, 'link', 'set', 'eth0', 'up');
    await setUpNode(NODE_A, NODE_B);
    await setUpNode(NODE_B, NODE_A);
    await Promise.all([
      addContainer('a1', NODE_A, 'br1', '10.213.0.1'),
      addContainer('a2', NODE_A, 'br1', '10.213.0.2'),
      addContainer('b1', NODE_B, 'br1', '10.213.0.11'),
      addContainer('b2', NODE_B, 'br1', '10.213.0.12'),
      addContainer('x', NODE_A, 'br2', '10.213.0.101'),
      addContainer('y', NODE_B, 'br2', '10.213.0.102'),
    ]);
  } catch (err) {
    await cleanUp();
    throw err;
  }
});

afterAll(cleanUp);

describe('VXLAN overlay between two node namespaces', () => {
  it('carries TCP from a container on node A to one on node B, keeping the client address', async () => {
    const [a1b1] = await connect(container('a1').ns, '10.213.0.11', PORT, 1, 3000);
    expect(a1b1?.reply).toBe('b1 10.213.0.1');
    const [yx] = await connect(container('y').ns, '10.213.0.101', PORT, 1, 3000);
    expect(yx?.reply).toBe('x 10.213.0.102');
  });

  it('is idempotent: ensureVxlan and setVxlanPeers again change nothing', async () => {
    const run = netns(NODE_A.ns);
    const before = await fdbOf(NODE_A.ns, 'vx1');
    const spec = { device: 'vx1', vni: VNI1, bridge: 'br1', localAddr: NODE_A.underlay, mtu: MTU };
    await ensureVxlan(run, spec);
    await setVxlanPeers(run, 'vx1', [NODE_B.underlay]);
    expect(await fdbOf(NODE_A.ns, 'vx1')).toEqual(before);
    expect(before).toEqual([`00:00:00:00:00:00 ${NODE_B.underlay}`]);
  });

  it('keeps overlays with different VNIs isolated, even with overlapping subnets', async () => {
    const [fromA1, fromX] = await Promise.all([
      connect(container('a1').ns, '10.213.0.102', PORT, 1, 1500),
      connect(container('x').ns, '10.213.0.11', PORT, 1, 1500),
    ]);
    expect(fromA1[0]?.reply).toBeUndefined();
    expect(fromX[0]?.reply).toBeUndefined();
  });

  it('setVxlanMacs keeps exactly the static entries listed, and unicast still flows', async () => {
    const run = netns(NODE_A.ns);
    const b1 = `${macForIp('10.213.0.11')} ${NODE_B.underlay}`;
    const b2 = `${macForIp('10.213.0.12')} ${NODE_B.underlay}`;
    const zero = `00:00:00:00:00:00 ${NODE_B.underlay}`;
    await setVxlanMacs(run, 'vx1', [
      { mac: macForIp('10.213.0.11'), dst: NODE_B.underlay },
      { mac: macForIp('10.213.0.12'), dst: NODE_B.underlay },
    ]);
    expect((await fdbOf(NODE_A.ns, 'vx1')).sort()).toEqual([b1, b2, zero].sort());
    await setVxlanMacs(run, 'vx1', [{ mac: macForIp('10.213.0.11'), dst: NODE_B.underlay }]);
    expect((await fdbOf(NODE_A.ns, 'vx1')).sort()).toEqual([b1, zero].sort());
    const [r] = await connect(container('a1').ns, '10.213.0.11', PORT, 1, 3000);
    expect(r?.reply).toBe('b1 10.213.0.1');
    await setVxlanMacs(run, 'vx1', []);
    expect(await fdbOf(NODE_A.ns, 'vx1')).toEqual([zero]);
  });
});

describe('service VIPs in a container namespace', () => {
  const VIP = '10.213.0.200';
  const EMPTY_VIP = '10.213.0.201';
  const vips = [
    { vip: VIP, backends: ['10.213.0.2', '10.213.0.11', '10.213.0.12'] },
    { vip: EMPTY_VIP, backends: [] },
  ];

  it('spreads 30 connections exactly 10/10/10 over 3 backends, which see the client address', async () => {
    const pid = container('a1').server?.pid;
    if (pid === undefined) throw new Error('a1 has no server');
    const run = inNetns(sh, pid);
    await applyChains(run, 'nat', SANDBOX_VIP_JUMPS, sandboxVipRules(vips));
    await applyChains(run, 'filter', SANDBOX_VIP_REJECT_JUMPS, sandboxVipRejectRules(vips));
    // Twice: the jumps must still exist exactly once.
    await applyChains(run, 'nat', SANDBOX_VIP_JUMPS, sandboxVipRules(vips));
    const jumps = (await run.run('iptables', ['-t', 'nat', '-S', 'OUTPUT'])).match(
      /-j SWARMLET-VIP$/gm,
    );
    expect(jumps).toHaveLength(1);

    const results = await connect(container('a1').ns, VIP, PORT, 30, 3000);
    const replies = results.map((r) => r.reply);
    const counts = new Map<string, number>();
    for (const r of replies) counts.set(String(r), (counts.get(String(r)) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      'a2 10.213.0.1': 10,
      'b1 10.213.0.1': 10,
      'b2 10.213.0.1': 10,
    });
    // Exact round robin: the order repeats with period 3.
    replies.forEach((r, i) => expect(r).toBe(replies[i % 3]));
  });

  it('refuses a VIP without backends within a second', async () => {
    const [r] = await connect(container('a1').ns, EMPTY_VIP, PORT, 1, 3000);
    expect(r?.err).toBe('ECONNREFUSED');
    expect(r?.ms).toBeLessThan(1000);
  });

  it('removeChains takes the VIP rules away', async () => {
    const run = netns(container('a1').ns);
    await removeChains(run, 'nat', SANDBOX_VIP_JUMPS);
    await removeChains(run, 'filter', SANDBOX_VIP_REJECT_JUMPS);
    await removeChains(run, 'filter', SANDBOX_VIP_REJECT_JUMPS); // absent: still fine
    expect(await run.run('iptables', ['-t', 'nat', '-S'])).not.toContain('SWARMLET');
    expect(await run.run('iptables', ['-S'])).not.toContain('SWARMLET');
  });
});

describe('ingress published ports in a node namespace', () => {
  const PUBLISHED = 8080;
  const backends = ['10.213.0.2', '10.213.0.11', '10.213.0.12'].map((addr) => ({
    addr,
    port: PORT,
  }));

  it('balances connections to the node address round robin over backends on both nodes', async () => {
    const run = netns(NODE_A.ns);
    const nat = ingressNatRules([{ protocol: 'tcp', port: PUBLISHED, backends }]);
    await applyChains(run, 'nat', INGRESS_NAT_JUMPS, nat);

    // Without the filter rules Docker's FORWARD policy (DROP) stops the connection.
    const [dropped] = await connect(CLIENT.ns, CLIENT.gateway, PUBLISHED, 1, 1000);
    expect(dropped?.reply).toBeUndefined();

    await applyChains(run, 'filter', INGRESS_FILTER_JUMPS, ingressFilterRules());
    const results = await connect(CLIENT.ns, CLIENT.gateway, PUBLISHED, 6, 3000);
    // Masqueraded: backends answer node A's overlay address, so replies come back through it.
    const r = results.map((x) => x.reply);
    expect([...r].sort()).toEqual(
      ['a2', 'a2', 'b1', 'b1', 'b2', 'b2'].map((n) => `${n} ${NODE_A.br1}`),
    );
    r.forEach((x, i) => expect(x).toBe(r[i % 3]));
  });

  it('lets every datagram of a one-way UDP flow through (the mark is on the connection)', async () => {
    // The nat table sees only a flow's first packet: a packet MARK would be missing on the
    // second datagram, which conntrack still calls NEW (no reply yet), so FORWARD would drop it.
    const run = netns(NODE_A.ns);
    const udp = {
      protocol: 'udp' as const,
      port: 9125,
      backends: [{ addr: '10.213.0.2', port: 9125 }],
    };
    await applyChains(run, 'nat', INGRESS_NAT_JUMPS, ingressNatRules([udp]));
    const receiver = spawnNode(container('a2').ns, UDP_RECEIVER, ['9125']);
    const lines = collectLines(receiver);
    await waitFor(() => lines.includes('ready'), 5000);
    await execShell({ timeoutMs: 5000 }).run('nsenter', [
      `--net=/var/run/netns/${CLIENT.ns}`,
      'node',
      '-e',
      UDP_SENDER,
      CLIENT.gateway,
      '9125',
    ]);
    await waitFor(() => lines.length >= 4, 3000).catch(() => undefined);
    expect(lines).toEqual(['ready', `m0 ${NODE_A.br1}`, `m1 ${NODE_A.br1}`, `m2 ${NODE_A.br1}`]);
  });

  it('leaves a port without backends to local listeners', async () => {
    const run = netns(NODE_A.ns);
    await applyChains(
      run,
      'nat',
      INGRESS_NAT_JUMPS,
      ingressNatRules([{ protocol: 'tcp', port: PUBLISHED, backends: [] }]),
    );
    const [r] = await connect(CLIENT.ns, CLIENT.gateway, PUBLISHED, 1, 1000);
    expect(r?.err).toBe('ECONNREFUSED'); // the node's own stack answers: nothing listens
    await removeChains(run, 'nat', INGRESS_NAT_JUMPS);
    await removeChains(run, 'filter', INGRESS_FILTER_JUMPS);
    expect(await run.run('iptables', ['-t', 'nat', '-S'])).not.toContain('SWARMLET');
    expect(await run.run('iptables', ['-S'])).not.toContain('SWARMLET');
  });
});

describe('peer removal', () => {
  it('a peer removed by setVxlanPeers receives nothing more; adding it back restores traffic', async () => {
    const runA = netns(NODE_A.ns);
    await setVxlanPeers(runA, 'vx1', []);
    expect(await fdbOf(NODE_A.ns, 'vx1')).toEqual([]);
    const before = await rxPackets(NODE_B.ns, 'vx1');
    const [r] = await connect(container('a1').ns, '10.213.0.11', PORT, 1, 1500);
    expect(r?.reply).toBeUndefined();
    expect(await rxPackets(NODE_B.ns, 'vx1')).toBe(before);

    await setVxlanPeers(runA, 'vx1', [NODE_B.underlay]);
    const [again] = await connect(container('a1').ns, '10.213.0.11', PORT, 1, 3000);
    expect(again?.reply).toBe('b1 10.213.0.1');
  });
});
