import type { NetMap, NetMapService } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { macForIp } from '../dataplane/index.js';
import {
  dnsEntries,
  hostPorts,
  inSubnet,
  ingressTargets,
  overlayNames,
  remoteMacs,
  sandboxVips,
  subnetOf,
} from './plan.js';

const task = (id: string, node: string, nets: [string, string][]) => ({
  id,
  nodeId: node,
  nodeAddr: node === 'self' ? '192.168.0.1' : `192.168.0.${node.slice(1)}`,
  networks: nets.map(([networkId, addr]) => ({ networkId, addr })),
});

function svc(name: string, patch: Partial<NetMapService>): NetMapService {
  return { id: name, name, endpointMode: 'vip', vips: [], ports: [], tasks: [], ...patch };
}

const map: NetMap = {
  addr: '192.168.0.1',
  networks: [
    {
      id: 'front',
      name: 'front',
      subnet: '10.0.0.0/24',
      vni: 4096,
      nodeAddr: '10.0.0.2/24',
      peers: ['192.168.0.2'],
    },
    {
      id: 'back',
      name: 'back',
      subnet: '10.0.1.0/24',
      vni: 4097,
      nodeAddr: '10.0.1.2/24',
      peers: ['192.168.0.2'],
    },
  ],
  services: [
    svc('web', {
      vips: [{ networkId: 'front', addr: '10.0.0.10/24' }],
      ports: [
        { target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' },
        { target: 81, published: 9090, protocol: 'tcp', mode: 'host' },
      ],
      tasks: [
        task('w1', 'self', [['front', '10.0.0.20/24']]),
        task('w2', 'n2', [['front', '10.0.0.21/24']]),
      ],
    }),
    svc('db', {
      endpointMode: 'dnsrr',
      vips: [],
      ports: [{ target: 53, published: 5353, protocol: 'udp', mode: 'ingress' }],
      tasks: [
        task('d1', 'n2', [
          ['back', '10.0.1.30/24'],
          ['front', '10.0.0.30/24'],
        ]),
      ],
    }),
  ],
};

describe('node data-plane plan', () => {
  it('names docker networks, bridges and VXLAN devices within 15 characters', () => {
    const n = overlayNames({ id: 'abcdefghijklmnop', name: 'front' });
    expect(n).toEqual({
      docker: 'swarmlet-front-abcdefghij',
      bridge: 'swlabcdefghij',
      vxlan: 'vxlabcdefghij',
    });
    expect(n.bridge.length).toBeLessThanOrEqual(15);
  });

  it('answers vip names with the VIP and dnsrr names with task addresses, per network', () => {
    expect(dnsEntries(map)).toEqual([
      {
        network: 'front',
        name: 'web',
        endpoint: { mode: 'vip', vips: ['10.0.0.10'], tasks: ['10.0.0.20', '10.0.0.21'] },
      },
      { network: 'back', name: 'db', endpoint: { mode: 'dnsrr', tasks: ['10.0.1.30'] } },
      { network: 'front', name: 'db', endpoint: { mode: 'dnsrr', tasks: ['10.0.0.30'] } },
    ]);
  });

  it('balances only the VIPs of networks the task is on', () => {
    expect(sandboxVips(map, ['front'])).toEqual([
      { vip: '10.0.0.10', backends: ['10.0.0.20', '10.0.0.21'] },
    ]);
    expect(sandboxVips(map, ['back'])).toEqual([]);
  });

  it('publishes ingress ports over every serving task and leaves host ports to the engine', () => {
    expect(ingressTargets(map)).toEqual([
      {
        protocol: 'udp',
        port: 5353,
        serviceName: 'db',
        proxyProtocol: false,
        backends: [{ addr: '10.0.1.30', port: 53 }],
      },
      {
        protocol: 'tcp',
        port: 8080,
        serviceName: 'web',
        proxyProtocol: false,
        backends: [
          { addr: '10.0.0.20', port: 80 },
          { addr: '10.0.0.21', port: 80 },
        ],
      },
    ]);
    expect(hostPorts(map, 'web')).toEqual([{ target: 81, published: 9090, protocol: 'tcp' }]);
    expect(hostPorts(map, 'nope')).toEqual([]);
  });

  it('pins remote tasks MAC addresses to their node; local ones are left to the bridge', () => {
    expect(remoteMacs(map, map.networks[0]!, macForIp)).toEqual([
      { mac: macForIp('10.0.0.21'), dst: '192.168.0.2' },
      { mac: macForIp('10.0.0.30'), dst: '192.168.0.2' },
    ]);
  });

  it('finds the network of a client address by subnet', () => {
    expect(subnetOf(map, '10.0.1.99')).toBe('back');
    expect(subnetOf(map, '10.0.2.1')).toBeUndefined();
    expect(inSubnet('10.0.0.255', '10.0.0.0/24')).toBe(true);
    expect(inSubnet('10.0.1.0', '10.0.0.0/24')).toBe(false);
    expect(inSubnet('1.2.3.4', '0.0.0.0/0')).toBe(true);
    expect(inSubnet('not-an-ip', '10.0.0.0/24')).toBe(false);
  });
});
