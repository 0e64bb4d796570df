import { describe, expect, it } from 'vitest';
import { DEFAULT_TTL, ServiceRecords, type Answer } from './records.js';

const NETS: Record<string, string[]> = {
  '10.0.0.10': ['front'],
  '10.0.0.11': ['back', 'front'],
  '10.0.0.12': ['front', 'back'],
};
const records = (opts: { domain?: string; ttl?: number } = {}): ServiceRecords =>
  new ServiceRecords({ scope: (addr) => NETS[addr] ?? [], ...opts });

/** The addresses in answer order (as the server sends them: from `first`, wrapping). */
function ordered(a: Answer): string[] | 'nxdomain' | 'forward' {
  if (a.kind !== 'records') return a.kind;
  const first = a.first ?? 0;
  return [...a.addresses.slice(first), ...a.addresses.slice(0, first)];
}

describe('ServiceRecords', () => {
  it('answers the VIP for <service> in vip mode and the tasks for tasks.<service>', () => {
    const r = records();
    r.set('front', 'web', { mode: 'vip', vips: ['10.0.9.2'], tasks: ['10.0.9.3', '10.0.9.4'] });
    expect(ordered(r.lookup('10.0.0.10', 'web', 'A'))).toEqual(['10.0.9.2']);
    expect(ordered(r.lookup('10.0.0.10', 'web', 'A'))).toEqual(['10.0.9.2']);
    expect(ordered(r.lookup('10.0.0.10', 'tasks.web', 'A'))).toEqual(['10.0.9.3', '10.0.9.4']);
    expect(ordered(r.lookup('10.0.0.10', 'tasks.web', 'A'))).toEqual(['10.0.9.4', '10.0.9.3']);
    expect(r.lookup('10.0.0.10', 'web', 'A')).toMatchObject({ ttl: DEFAULT_TTL });
  });

  it('rotates dnsrr task addresses by one per answer, round robin', () => {
    const r = records();
    r.set('front', 'db', { mode: 'dnsrr', tasks: ['10.0.9.1', '10.0.9.2', '10.0.9.3'] });
    const seq = Array.from({ length: 4 }, () => ordered(r.lookup('10.0.0.10', 'db', 'A')));
    expect(seq).toEqual([
      ['10.0.9.1', '10.0.9.2', '10.0.9.3'],
      ['10.0.9.2', '10.0.9.3', '10.0.9.1'],
      ['10.0.9.3', '10.0.9.1', '10.0.9.2'],
      ['10.0.9.1', '10.0.9.2', '10.0.9.3'],
    ]);
    // tasks.db has its own turn.
    expect(ordered(r.lookup('10.0.0.10', 'tasks.db', 'A'))).toEqual([
      '10.0.9.1',
      '10.0.9.2',
      '10.0.9.3',
    ]);
  });

  it('keeps the turn across an update instead of restarting at the first task', () => {
    const r = records();
    r.set('front', 'db', { mode: 'dnsrr', tasks: ['10.0.9.1', '10.0.9.2', '10.0.9.3'] });
    r.lookup('10.0.0.10', 'db', 'A');
    r.set('front', 'db', { mode: 'dnsrr', tasks: ['10.0.9.1', '10.0.9.2', '10.0.9.4'] });
    expect(ordered(r.lookup('10.0.0.10', 'db', 'A'))).toEqual(['10.0.9.2', '10.0.9.4', '10.0.9.1']);
  });

  it('splits families: AAAA answers IPv6 only, and an IPv4-only name has no AAAA records', () => {
    const r = records();
    r.set('front', 'web', { mode: 'dnsrr', tasks: ['10.0.9.1', 'fd00::1'] });
    r.set('front', 'v4', { mode: 'vip', vips: ['10.0.9.9'], tasks: [] });
    expect(ordered(r.lookup('10.0.0.10', 'web', 'A'))).toEqual(['10.0.9.1']);
    expect(ordered(r.lookup('10.0.0.10', 'web', 'AAAA'))).toEqual(['fd00::1']);
    expect(ordered(r.lookup('10.0.0.10', 'v4', 'AAAA'))).toEqual([]);
    expect(ordered(r.lookup('10.0.0.10', 'tasks.v4', 'A'))).toEqual([]);
    expect(ordered(r.lookup('10.0.0.10', 'v4', 'OTHER'))).toEqual([]);
  });

  it('shows a name only to clients on its network; the first visible network wins', () => {
    const r = records();
    r.set('back', 'api', { mode: 'vip', vips: ['10.1.0.2'], tasks: ['10.1.0.3'] });
    r.set('front', 'api', { mode: 'vip', vips: ['10.0.0.2'], tasks: ['10.0.0.3'] });
    expect(r.lookup('10.0.0.99', 'api', 'A')).toEqual({ kind: 'nxdomain' });
    expect(ordered(r.lookup('10.0.0.10', 'api', 'A'))).toEqual(['10.0.0.2']);
    expect(ordered(r.lookup('10.0.0.11', 'api', 'A'))).toEqual(['10.1.0.2']);
    expect(ordered(r.lookup('10.0.0.12', 'tasks.api', 'A'))).toEqual(['10.0.0.3']);
    r.set('back', 'only-back', { mode: 'dnsrr', tasks: ['10.1.0.9'] });
    expect(r.lookup('10.0.0.10', 'only-back', 'A')).toEqual({ kind: 'nxdomain' });
  });

  it('normalises names given to set and delete (case, trailing dot)', () => {
    const r = records();
    r.set('front', 'Web.', { mode: 'vip', vips: ['10.0.9.2'], tasks: [] });
    expect(ordered(r.lookup('10.0.0.10', 'web', 'A'))).toEqual(['10.0.9.2']);
    expect(r.delete('front', 'WEB')).toBe(true);
    expect(r.lookup('10.0.0.10', 'web', 'A')).toEqual({ kind: 'nxdomain' });
    expect(r.lookup('10.0.0.10', 'tasks.web', 'A')).toEqual({ kind: 'nxdomain' });
    expect(r.delete('front', 'web')).toBe(false);
  });

  it('NXDOMAIN for cluster-shaped names, forward for the rest', () => {
    const r = records();
    expect(r.lookup('10.0.0.10', 'nosuch', 'A')).toEqual({ kind: 'nxdomain' });
    expect(r.lookup('10.0.0.10', 'tasks.nosuch', 'A')).toEqual({ kind: 'nxdomain' });
    expect(r.lookup('10.0.0.10', 'example.com', 'A')).toEqual({ kind: 'forward' });
    expect(r.lookup('10.0.0.10', 'tasks.a.b', 'A')).toEqual({ kind: 'forward' });
    expect(r.lookup('10.0.0.10', '', 'OTHER')).toEqual({ kind: 'forward' });
  });

  it('resolves names under the cluster domain and keeps that domain local', () => {
    const r = records({ domain: 'Swarm.', ttl: 3 });
    r.set('front', 'web', { mode: 'vip', vips: ['10.0.9.2'], tasks: ['10.0.9.3'] });
    expect(r.lookup('10.0.0.10', 'web.swarm', 'A')).toMatchObject({
      addresses: ['10.0.9.2'],
      ttl: 3,
    });
    expect(ordered(r.lookup('10.0.0.10', 'tasks.web.swarm', 'A'))).toEqual(['10.0.9.3']);
    expect(r.lookup('10.0.0.10', 'a.b.swarm', 'A')).toEqual({ kind: 'nxdomain' });
    expect(r.lookup('10.0.0.10', 'swarm', 'A')).toEqual({ kind: 'nxdomain' });
    expect(r.lookup('10.0.0.10', 'web.swarm.example', 'A')).toEqual({ kind: 'forward' });
  });

  it('hands out the same address array until the addresses change', () => {
    const r = records();
    r.set('front', 'web', { mode: 'dnsrr', tasks: ['10.0.9.1', '10.0.9.2'] });
    const a1 = r.lookup('10.0.0.10', 'web', 'A');
    const a2 = r.lookup('10.0.0.10', 'web', 'A');
    if (a1.kind !== 'records' || a2.kind !== 'records') throw new Error('expected records');
    expect(a2.addresses).toBe(a1.addresses);
    r.set('front', 'web', { mode: 'dnsrr', tasks: ['10.0.9.1', '10.0.9.3'] });
    const a3 = r.lookup('10.0.0.10', 'web', 'A');
    if (a3.kind !== 'records') throw new Error('expected records');
    expect(a3.addresses).not.toBe(a1.addresses);
    expect(a1.addresses).toEqual(['10.0.9.1', '10.0.9.2']);
  });
});
