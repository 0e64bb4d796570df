import { describe, expect, it } from 'vitest';
import {
  INGRESS_MARK,
  INGRESS_MARK_MASK,
  ingressFilterRules,
  ingressNatRules,
  sandboxVipRejectRules,
  sandboxVipRules,
  type IngressPort,
  type VipRule,
} from './rules.js';
import type { DataPlaneError } from './shell.js';

const lines = (text: string): string[] => text.split('\n');
const backends = (n: number): string[] => Array.from({ length: n }, (_, i) => `10.0.0.${i + 10}`);

/** Simulates the kernel: each nth rule has its own counter over the packets that reach it. */
function simulateRoundRobin(rules: readonly string[], connections: number): string[] {
  const counters = rules.map(() => 0);
  const picked: string[] = [];
  for (let c = 0; c < connections; c++) {
    for (const [i, rule] of rules.entries()) {
      const nth = / --every (\d+) --packet (\d+) /.exec(rule);
      const target = / --to-destination (\S+)$/.exec(rule)?.[1] ?? '?';
      if (nth === null) {
        picked.push(target);
        break;
      }
      const count = counters[i] ?? 0;
      counters[i] = (count + 1) % Number(nth[1]);
      if (count === Number(nth[2])) {
        picked.push(target);
        break;
      }
    }
  }
  return picked;
}

describe('sandboxVipRules', () => {
  it('with no VIPs declares (and so empties) the chain and nothing else', () => {
    expect(sandboxVipRules([])).toBe('*nat\n:SWARMLET-VIP - [0:0]\nCOMMIT\n');
  });

  it('with one backend DNATs unconditionally', () => {
    expect(lines(sandboxVipRules([{ vip: '10.0.0.2', backends: ['10.0.0.3'] }]))).toEqual([
      '*nat',
      ':SWARMLET-VIP - [0:0]',
      '-A SWARMLET-VIP -d 10.0.0.2/32 -j DNAT --to-destination 10.0.0.3',
      'COMMIT',
      '',
    ]);
  });

  it('with three backends uses --every 3, then 2, then an unconditional rule', () => {
    expect(lines(sandboxVipRules([{ vip: '10.0.0.2', backends: backends(3) }]))).toEqual([
      '*nat',
      ':SWARMLET-VIP - [0:0]',
      '-A SWARMLET-VIP -d 10.0.0.2/32 -m statistic --mode nth --every 3 --packet 0 -j DNAT --to-destination 10.0.0.10',
      '-A SWARMLET-VIP -d 10.0.0.2/32 -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 10.0.0.11',
      '-A SWARMLET-VIP -d 10.0.0.2/32 -j DNAT --to-destination 10.0.0.12',
      'COMMIT',
      '',
    ]);
  });

  it.each([1, 2, 3, 4, 5, 7, 16])('rule i of %i backends uses --every N-i --packet 0', (n) => {
    const rules = lines(sandboxVipRules([{ vip: '10.0.0.2', backends: backends(n) }])).filter((l) =>
      l.startsWith('-A'),
    );
    expect(rules).toHaveLength(n);
    rules.forEach((rule, i) => {
      if (i === n - 1) expect(rule).not.toContain('statistic');
      else expect(rule).toContain(` -m statistic --mode nth --every ${n - i} --packet 0 -j `);
      expect(rule.endsWith(`--to-destination 10.0.0.${i + 10}`)).toBe(true);
    });
  });

  it.each([1, 2, 3, 5, 8])('gives exact round robin over %i backends', (n) => {
    const rules = lines(sandboxVipRules([{ vip: '10.0.0.2', backends: backends(n) }])).filter((l) =>
      l.startsWith('-A'),
    );
    const picked = simulateRoundRobin(rules, 3 * n);
    expect(picked).toEqual([...backends(n), ...backends(n), ...backends(n)]);
  });

  it('keeps VIPs and backends in input order, VIPs without backends get no rule', () => {
    const vips: VipRule[] = [
      { vip: '10.0.1.2', backends: ['10.0.1.9', '10.0.1.3'] },
      { vip: '10.0.2.2', backends: [] },
      { vip: '10.0.0.2', backends: ['10.0.0.5'] },
    ];
    const rules = lines(sandboxVipRules(vips)).filter((l) => l.startsWith('-A'));
    expect(rules.map((r) => / -d (\S+) .*--to-destination (\S+)$/.exec(r)?.slice(1))).toEqual([
      ['10.0.1.2/32', '10.0.1.9'],
      ['10.0.1.2/32', '10.0.1.3'],
      ['10.0.0.2/32', '10.0.0.5'],
    ]);
  });

  it('is deterministic', () => {
    const vips: VipRule[] = [{ vip: '10.0.0.2', backends: backends(4) }];
    expect(sandboxVipRules(vips)).toBe(sandboxVipRules(structuredClone(vips)));
  });

  it.each([
    [[{ vip: '10.0.0.2/24', backends: [] }]],
    [[{ vip: '10.0.0.2', backends: ['10.0.0.3\n-A OUTPUT -j ACCEPT'] }]],
    [[{ vip: 'fd00::1', backends: [] }]],
    [
      [
        { vip: '10.0.0.2', backends: [] },
        { vip: '10.0.0.2', backends: ['10.0.0.3'] },
      ],
    ],
  ])('rejects invalid input %j with INVALID_ARGUMENT', (vips) => {
    expect(() => sandboxVipRules(vips)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as DataPlaneError,
    );
  });
});

describe('sandboxVipRejectRules', () => {
  it('with no VIPs only declares the chain', () => {
    expect(sandboxVipRejectRules([])).toBe('*filter\n:SWARMLET-VIP-REJECT - [0:0]\nCOMMIT\n');
  });

  it('rejects only VIPs without backends: TCP with a reset, the rest port-unreachable', () => {
    const text = sandboxVipRejectRules([
      { vip: '10.0.0.2', backends: ['10.0.0.3'] },
      { vip: '10.0.0.4', backends: [] },
    ]);
    expect(lines(text)).toEqual([
      '*filter',
      ':SWARMLET-VIP-REJECT - [0:0]',
      '-A SWARMLET-VIP-REJECT -d 10.0.0.4/32 -p tcp -j REJECT --reject-with tcp-reset',
      '-A SWARMLET-VIP-REJECT -d 10.0.0.4/32 -j REJECT --reject-with icmp-port-unreachable',
      'COMMIT',
      '',
    ]);
  });
});

describe('ingressNatRules', () => {
  const mark = `0x${INGRESS_MARK.toString(16)}/0x${INGRESS_MARK_MASK.toString(16)}`;

  it('with no ports declares both chains and keeps only the masquerade rule', () => {
    expect(lines(ingressNatRules([]))).toEqual([
      '*nat',
      ':SWARMLET-INGRESS - [0:0]',
      ':SWARMLET-POSTROUTING - [0:0]',
      `-A SWARMLET-POSTROUTING -m connmark --mark ${mark} -j MASQUERADE`,
      'COMMIT',
      '',
    ]);
  });

  it('marks, then DNATs round robin per port; ports without backends get no rule', () => {
    const ports: IngressPort[] = [
      {
        protocol: 'tcp',
        port: 8080,
        backends: [
          { addr: '10.0.0.3', port: 80 },
          { addr: '10.0.0.4', port: 80 },
        ],
      },
      { protocol: 'tcp', port: 8081, backends: [] },
      { protocol: 'udp', port: 53, backends: [{ addr: '10.0.0.5', port: 5353 }] },
    ];
    expect(lines(ingressNatRules(ports))).toEqual([
      '*nat',
      ':SWARMLET-INGRESS - [0:0]',
      ':SWARMLET-POSTROUTING - [0:0]',
      `-A SWARMLET-INGRESS -p tcp -m tcp --dport 8080 -j CONNMARK --set-xmark ${mark}`,
      '-A SWARMLET-INGRESS -p tcp -m tcp --dport 8080 -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 10.0.0.3:80',
      '-A SWARMLET-INGRESS -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.4:80',
      `-A SWARMLET-INGRESS -p udp -m udp --dport 53 -j CONNMARK --set-xmark ${mark}`,
      '-A SWARMLET-INGRESS -p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.5:5353',
      `-A SWARMLET-POSTROUTING -m connmark --mark ${mark} -j MASQUERADE`,
      'COMMIT',
      '',
    ]);
  });

  it.each([2, 3, 6])('rule i of %i backends uses --every N-i --packet 0', (n) => {
    const ports: IngressPort[] = [
      { protocol: 'udp', port: 9000, backends: backends(n).map((addr) => ({ addr, port: 9 })) },
    ];
    const dnat = lines(ingressNatRules(ports)).filter((l) => l.includes('DNAT'));
    expect(dnat).toHaveLength(n);
    dnat.forEach((rule, i) => {
      if (i < n - 1) expect(rule).toContain(`--every ${n - i} --packet 0`);
      else expect(rule).not.toContain('statistic');
    });
    expect(simulateRoundRobin(dnat, 2 * n)).toEqual(
      [...backends(n), ...backends(n)].map((a) => `${a}:9`),
    );
  });

  it('is deterministic', () => {
    const ports: IngressPort[] = [
      { protocol: 'tcp', port: 1, backends: [{ addr: '10.0.0.1', port: 65535 }] },
    ];
    expect(ingressNatRules(ports)).toBe(ingressNatRules(structuredClone(ports)));
  });

  it.each([
    [[{ protocol: 'tcp', port: 0, backends: [] }]],
    [[{ protocol: 'tcp', port: 70000, backends: [] }]],
    [[{ protocol: 'sctp', port: 80, backends: [] }]],
    [[{ protocol: 'tcp', port: 80, backends: [{ addr: '10.0.0.1', port: 0 }] }]],
    [[{ protocol: 'tcp', port: 80, backends: [{ addr: 'x', port: 80 }] }]],
    [
      [
        { protocol: 'tcp', port: 80, backends: [] },
        { protocol: 'tcp', port: 80, backends: [] },
      ],
    ],
  ])('rejects invalid input %j with INVALID_ARGUMENT', (ports) => {
    expect(() => ingressNatRules(ports as IngressPort[])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as DataPlaneError,
    );
  });

  it('allows the same port number for tcp and udp', () => {
    const text = ingressNatRules([
      { protocol: 'tcp', port: 53, backends: [{ addr: '10.0.0.1', port: 53 }] },
      { protocol: 'udp', port: 53, backends: [{ addr: '10.0.0.1', port: 53 }] },
    ]);
    expect(text).toContain('-p tcp -m tcp --dport 53 -j DNAT');
    expect(text).toContain('-p udp -m udp --dport 53 -j DNAT');
  });
});

describe('ingressFilterRules', () => {
  it('accepts connections carrying the ingress mark', () => {
    expect(ingressFilterRules()).toBe(
      '*filter\n:SWARMLET-FORWARD - [0:0]\n-A SWARMLET-FORWARD -m connmark --mark 0x5311/0xffff -j ACCEPT\nCOMMIT\n',
    );
  });
});
