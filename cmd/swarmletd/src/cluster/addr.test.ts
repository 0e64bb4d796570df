import { isSwarmletError } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { formatAddr, parseAddr } from './addr.js';

describe('parseAddr', () => {
  it.each([
    ['10.0.0.1', { host: '10.0.0.1', port: 4242 }],
    ['10.0.0.1:2377', { host: '10.0.0.1', port: 2377 }],
    ['tcp://node-a:5000', { host: 'node-a', port: 5000 }],
    ['[::1]:4300', { host: '::1', port: 4300 }],
    ['[fe80::1]', { host: 'fe80::1', port: 4242 }],
  ])('%s', (input, want) => {
    expect(parseAddr(input, 'address')).toEqual(want);
  });

  it.each(['', ':4242', 'a b:1', '10.0.0.1:0', '10.0.0.1:70000', 'host:port'])(
    'refuses %j with INVALID_ARGUMENT naming the flag',
    (input) => {
      let err: unknown;
      try {
        parseAddr(input, 'advertise address');
      } catch (e) {
        err = e;
      }
      expect(isSwarmletError(err, 'INVALID_ARGUMENT')).toBe(true);
      expect((err as Error).message).toContain('advertise address');
    },
  );

  it('formats IPv6 hosts in brackets so the result parses back', () => {
    for (const a of ['10.0.0.1:1', '[::1]:4300']) {
      expect(formatAddr(parseAddr(a, 'x'))).toBe(a);
    }
  });
});
