import { isSwarmletError } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import {
  allocateAddress,
  allocateSubnet,
  capacity,
  formatCidr,
  formatIp,
  overlaps,
  parseCidr,
  parseIp,
  type Cidr,
} from './ipam.js';

const c = (s: string): Cidr => parseCidr(s);

describe('addresses and prefixes', () => {
  it('parses and formats IPv4 addresses and prefixes both ways', () => {
    for (const ip of ['0.0.0.0', '10.0.1.2', '255.255.255.255', '192.168.200.1']) {
      expect(formatIp(parseIp(ip) as number)).toBe(ip);
    }
    expect(formatCidr(c('10.0.0.0/8'))).toBe('10.0.0.0/8');
    expect(c('10.1.2.0/24')).toEqual({ base: parseIp('10.1.2.0'), prefix: 24 });
  });

  it.each(['10.0.0/24', '10.0.0.256/24', '10.0.0.0/33', '10.0.0.0', 'x/24', '10.0.0.1/24'])(
    'refuses %s with a clear INVALID_ARGUMENT',
    (s) => {
      let err: unknown;
      try {
        parseCidr(s, '--subnet');
      } catch (e) {
        err = e;
      }
      expect(isSwarmletError(err, 'INVALID_ARGUMENT')).toBe(true);
      expect((err as Error).message).toContain('--subnet');
    },
  );

  it('suggests the network address when host bits are set', () => {
    expect(() => parseCidr('10.0.0.1/24')).toThrow(/did you mean 10\.0\.0\.0\/24/);
  });

  it('overlap is symmetric and exact at the edges', () => {
    expect(overlaps(c('10.0.0.0/24'), c('10.0.0.128/25'))).toBe(true);
    expect(overlaps(c('10.0.0.128/25'), c('10.0.0.0/24'))).toBe(true);
    expect(overlaps(c('10.0.0.0/24'), c('10.0.1.0/24'))).toBe(false);
    expect(overlaps(c('10.0.0.0/8'), c('10.255.255.0/24'))).toBe(true);
  });
});

describe('allocateSubnet', () => {
  const pool = [c('10.0.0.0/8')];

  it('gives the lowest free /24 of the pool, skipping used and overlapping prefixes', () => {
    expect(formatCidr(allocateSubnet(pool, 24, []) as Cidr)).toBe('10.0.0.0/24');
    expect(formatCidr(allocateSubnet(pool, 24, [c('10.0.0.0/24')]) as Cidr)).toBe('10.0.1.0/24');
    // A user's /16 at 10.0.0.0 pushes the next /24 past it.
    expect(formatCidr(allocateSubnet(pool, 24, [c('10.0.0.0/16')]) as Cidr)).toBe('10.1.0.0/24');
    // A small user subnet inside the first /24 still blocks that /24.
    expect(formatCidr(allocateSubnet(pool, 24, [c('10.0.0.64/26')]) as Cidr)).toBe('10.0.1.0/24');
  });

  it('moves to the next pool when one is full, and answers undefined when all are', () => {
    const pools = [c('10.9.0.0/23'), c('192.168.50.0/24')];
    const used = [c('10.9.0.0/24'), c('10.9.1.0/24')];
    expect(formatCidr(allocateSubnet(pools, 24, used) as Cidr)).toBe('192.168.50.0/24');
    expect(allocateSubnet(pools, 24, [...used, c('192.168.50.0/24')])).toBeUndefined();
  });

  it('never returns a subnet that overlaps any used one (random check)', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const small = [c('10.20.0.0/20')];
    const used: Cidr[] = [];
    for (let i = 0; i < 200; i++) {
      if (used.length > 0 && rand(3) === 0) used.splice(rand(used.length), 1);
      const got = allocateSubnet(small, 22 + rand(5), used);
      if (!got) continue;
      for (const u of used) expect(overlaps(u, got)).toBe(false);
      used.push(got);
    }
  });
});

describe('allocateAddress', () => {
  it('skips the network address, the gateway (.1) and the broadcast address', () => {
    const s = c('10.0.5.0/29'); // .0 net, .1 gw, .2-.6 hosts, .7 broadcast
    const used = new Set<number>();
    const got: string[] = [];
    for (;;) {
      const ip = allocateAddress(s, used);
      if (ip === undefined) break;
      used.add(ip);
      got.push(formatIp(ip));
    }
    expect(got).toEqual(['10.0.5.2', '10.0.5.3', '10.0.5.4', '10.0.5.5', '10.0.5.6']);
    expect(capacity(s)).toBe(5);
  });

  it('reuses a released address, lowest first', () => {
    const s = c('10.0.5.0/24');
    const used = new Set([parseIp('10.0.5.2') as number, parseIp('10.0.5.4') as number]);
    expect(formatIp(allocateAddress(s, used) as number)).toBe('10.0.5.3');
  });
});
