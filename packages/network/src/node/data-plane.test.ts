import { connect, createServer, type Server } from 'node:net';
import type { NetMap } from '@swarmlet/api-types';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingShell, commandFailure } from '../dataplane/index.js';
import type { BridgeSpec } from '@swarmlet/api-types';
import { NodeDataPlane } from './data-plane.js';

class FakeBridges {
  readonly ensured: BridgeSpec[] = [];
  readonly removed: string[] = [];
  ensure(spec: BridgeSpec): Promise<void> {
    this.ensured.push(spec);
    return Promise.resolve();
  }
  remove(name: string): Promise<void> {
    this.removed.push(name);
    return Promise.resolve();
  }
}

/** A shell where every device and forwarding table starts empty. */
function emptyShell(): RecordingShell {
  return new RecordingShell((c) => (c.args.includes('-j') ? '[]' : undefined));
}

const base = (port: number, backendPort: number): NetMap => ({
  addr: '192.168.50.1',
  networks: [
    {
      id: 'net1abcdefgh',
      name: 'default',
      subnet: '10.9.0.0/24',
      vni: 4096,
      // The DNS server binds this address: loopback keeps the test on this machine.
      nodeAddr: '127.0.0.1/8',
      peers: ['192.168.50.2'],
    },
  ],
  services: [
    {
      id: 's1',
      name: 'web',
      endpointMode: 'vip',
      vips: [{ networkId: 'net1abcdefgh', addr: '10.9.0.2/24' }],
      ports: [{ target: backendPort, published: port, protocol: 'tcp', mode: 'ingress' }],
      tasks: [
        {
          id: 't1',
          nodeId: 'n1',
          nodeAddr: '192.168.50.1',
          networks: [{ networkId: 'net1abcdefgh', addr: '127.0.0.1/8' }],
        },
      ],
    },
  ],
});

let dp: NodeDataPlane | undefined;
let server: Server | undefined;
afterEach(async () => {
  await dp?.stop();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  dp = undefined;
  server = undefined;
});

async function settle(plane: NodeDataPlane): Promise<void> {
  await plane.endpoints({
    serviceId: 's1',
    networks: [{ networkId: 'net1abcdefgh', addr: '10.9.0.5/24' }],
  });
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
}

describe('NodeDataPlane', () => {
  it('builds bridge, VXLAN, peers, DNS and ingress from the map, then only what changed', async () => {
    server = createServer((s) => s.end('hello'));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const backendPort = (server.address() as { port: number }).port;
    const port = 20000 + Math.floor(Math.random() * 20000);
    const sh = emptyShell();
    const bridges = new FakeBridges();
    dp = new NodeDataPlane({ bridges, shell: sh, dnsPort: 0, ingressHost: '127.0.0.1' });
    const map = base(port, backendPort);
    dp.apply(map);
    const ep = await dp.endpoints({
      serviceId: 's1',
      networks: [{ networkId: 'net1abcdefgh', addr: '10.9.0.5/24' }],
    });
    expect(ep).toEqual({
      networks: [{ name: 'swarmlet-default-net1abcdef', ip: '10.9.0.5' }],
      dns: ['127.0.0.1'],
      hostPorts: [],
    });
    await settle(dp);
    expect(bridges.ensured).toEqual([
      {
        name: 'swarmlet-default-net1abcdef',
        bridge: 'swlnet1abcdef',
        subnet: '10.9.0.0/24',
        gateway: '127.0.0.1',
        mtu: 1450,
      },
    ]);
    const lines = sh.lines();
    expect(lines).toContain(
      'ip link add vxlnet1abcdef type vxlan id 4096 dstport 4789 local 192.168.50.1 nolearning',
    );
    expect(lines).toContain(
      'bridge fdb append 00:00:00:00:00:00 dev vxlnet1abcdef dst 192.168.50.2',
    );
    const restore = sh.calls.find(
      (c) => c.cmd === 'iptables-restore' && c.input?.startsWith('*nat'),
    );
    expect(restore?.input).toContain(`--dport ${port}`);
    // The userspace listener answers through the backend.
    const reply = await new Promise<string>((resolve, reject) => {
      const c = connect(port, '127.0.0.1');
      let got = '';
      c.on('data', (d) => (got += d.toString()));
      c.on('end', () => resolve(got));
      c.on('error', reject);
    });
    expect(reply).toBe('hello');

    // A new peer: only the forwarding table changes; the bridge is not touched again.
    const before = sh.calls.length;
    dp.apply({
      ...map,
      networks: [{ ...map.networks[0]!, peers: ['192.168.50.2', '192.168.50.3'] }],
    });
    await settle(dp);
    const after = sh.lines().slice(before);
    expect(after.filter((l) => l.startsWith('ip link add'))).toEqual([]);
    expect(after).toContain(
      'bridge fdb append 00:00:00:00:00:00 dev vxlnet1abcdef dst 192.168.50.3',
    );
    expect(bridges.ensured).toHaveLength(1);

    // The network leaves the map: its device and docker network go.
    dp.apply({ ...map, networks: [], services: [] });
    for (let i = 0; i < 50 && bridges.removed.length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(sh.lines()).toContain('ip link del dev vxlnet1abcdef');
    expect(bridges.removed).toEqual(['swarmlet-default-net1abcdef']);
  });

  it('balances VIPs inside a task namespace and drains only tasks that serve', async () => {
    const sh = emptyShell();
    dp = new NodeDataPlane({
      bridges: new FakeBridges(),
      shell: sh,
      dnsPort: 0,
      kernelIngress: false,
      drainMs: 700,
    });
    const map = base(0, 1);
    dp.apply({ ...map, services: map.services.map((s) => ({ ...s, ports: [] })) });
    await settle(dp);
    await dp.attach('t9', 4242, [{ networkId: 'net1abcdefgh', addr: '10.9.0.9/24' }]);
    const nat = sh.calls.find((c) => c.args.includes('4242') && c.input?.startsWith('*nat'));
    expect(nat?.args.slice(0, 4)).toEqual(['-t', '4242', '-n', '--']);
    expect(nat?.input).toContain('-d 10.9.0.2/32');
    expect(nat?.input).toContain('--to-destination 127.0.0.1');
    expect(dp.drainMs({ id: 't9', serviceId: 's1' })).toBe(700);
    expect(dp.drainMs({ id: 'unknown', serviceId: 's1' })).toBe(0);
    dp.detach('t9');
    expect(dp.drainMs({ id: 't9', serviceId: 's1' })).toBe(0);
  });

  it('replaces a stale VXLAN device that holds the VNI', async () => {
    let failed = false;
    const sh = new RecordingShell((c) => {
      const line = [c.cmd, ...c.args].join(' ');
      if (line.startsWith('ip link add') && !failed) {
        failed = true;
        return commandFailure(
          line,
          'Error: A VXLAN device with the specified VNI already exists.',
          2,
        );
      }
      if (line === 'ip -d -j link show type vxlan')
        return JSON.stringify([{ ifname: 'vxlold', linkinfo: { info_data: { id: 4096 } } }]);
      return c.args.includes('-j') ? '[]' : undefined;
    });
    dp = new NodeDataPlane({
      bridges: new FakeBridges(),
      shell: sh,
      dnsPort: 0,
      kernelIngress: false,
    });
    dp.apply({ ...base(0, 1), services: [] });
    await settle(dp);
    expect(sh.lines()).toContain('ip link del dev vxlold');
    expect(sh.lines().filter((l) => l.startsWith('ip link add'))).toHaveLength(2);
  });

  it('says a task is unserved only once a map without it is applied, not just received', async () => {
    let gate: Promise<void> | undefined;
    let open = (): void => undefined;
    const rec = emptyShell();
    const shell = {
      run: async (cmd: string, args: readonly string[], opts?: { input?: string }) => {
        if (gate) await gate;
        return rec.run(cmd, args, opts);
      },
    };
    dp = new NodeDataPlane({ bridges: new FakeBridges(), shell, dnsPort: 0, kernelIngress: false });
    const map = base(0, 1);
    const serving = { ...map, services: map.services.map((s) => ({ ...s, ports: [] })) };
    dp.apply(serving);
    await settle(dp);
    await dp.attach('t9', 4242, [{ networkId: 'net1abcdefgh', addr: '10.9.0.9/24' }]);
    let done = false;
    const waiting = dp.whenUnserved('t1').then(() => (done = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    // The map dropping t1 arrives, but the node's rules are still being rewritten (slow iptables).
    gate = new Promise<void>((r) => (open = r));
    dp.apply({ ...serving, services: serving.services.map((s) => ({ ...s, tasks: [] })) });
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    gate = undefined;
    open();
    await waiting;
    expect(done).toBe(true);
    const t0 = Date.now();
    await dp.whenUnserved('never-served');
    expect(Date.now() - t0).toBeLessThan(50);
  });

  it('gives up waiting after its timeout', async () => {
    dp = new NodeDataPlane({
      bridges: new FakeBridges(),
      shell: emptyShell(),
      dnsPort: 0,
      kernelIngress: false,
    });
    const map = base(0, 1);
    dp.apply({ ...map, services: map.services.map((s) => ({ ...s, ports: [] })) });
    await settle(dp);
    const t0 = Date.now();
    await dp.whenUnserved('t1', 150);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('after the first sync, refills a namespace VIP chains with one iptables-restore per change', async () => {
    const sh = emptyShell();
    dp = new NodeDataPlane({
      bridges: new FakeBridges(),
      shell: sh,
      dnsPort: 0,
      kernelIngress: false,
    });
    const map = base(0, 1);
    const noPorts = { ...map, services: map.services.map((s) => ({ ...s, ports: [] })) };
    dp.apply(noPorts);
    await settle(dp);
    await dp.attach('t9', 4242, [{ networkId: 'net1abcdefgh', addr: '10.9.0.9/24' }]);
    const inNs = () => sh.calls.filter((c) => c.args.includes('4242'));
    const first = inNs().length;
    expect(first).toBeGreaterThan(2); // chains, then the jumps checked and made
    const moved = {
      ...noPorts,
      services: noPorts.services.map((s) => ({
        ...s,
        tasks: [
          {
            ...s.tasks[0]!,
            id: 't2',
            networks: [{ networkId: 'net1abcdefgh', addr: '10.9.0.7/24' }],
          },
        ],
      })),
    };
    dp.apply(moved);
    await settle(dp);
    const later = inNs().slice(first);
    expect(later.map((c) => c.args.slice(4, 5)[0])).toEqual(['iptables-restore']);
    expect(later[0]!.input).toMatch(/^\*nat\n[\s\S]*COMMIT\n\*filter\n[\s\S]*COMMIT\n$/);
    expect(later[0]!.input).toContain('--to-destination 10.9.0.7');
  });
});
