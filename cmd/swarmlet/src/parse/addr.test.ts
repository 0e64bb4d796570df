import { describe, expect, it } from 'vitest';
import { addrFlag, checkAddr, managerAddrArg } from './addr.js';

describe('checkAddr', () => {
  it.each([
    '10.0.0.1',
    '10.0.0.1:4242',
    ' m1.example:1 ',
    'eth0',
    '[::1]:4242',
    '[fe80::1]',
    '::1',
    'fe80::1',
  ])('accepts %j as it is (trimmed)', (addr) => {
    expect(checkAddr(addr)).toBe(addr.trim());
  });

  it.each([
    ['', 'expected HOST or HOST:PORT'],
    ['a b', 'expected HOST or HOST:PORT'],
    ['tcp://m1:4242', 'expected HOST or HOST:PORT'],
    [':4242', 'expected HOST or HOST:PORT'],
    ['m1:', 'port must be 1-65535'],
    ['m1:0', 'port must be 1-65535'],
    ['m1:65536', 'port must be 1-65535'],
    ['m1:http', 'port must be 1-65535'],
    ['[::1]:x', 'port must be 1-65535'],
  ])('rejects %j: %s', (addr, why) => {
    expect(() => checkAddr(addr)).toThrow(why);
  });

  it('words failures for flags and the manager argument', () => {
    expect(addrFlag('--advertise-addr', undefined)).toBeUndefined();
    expect(addrFlag('--advertise-addr', '10.0.0.1')).toBe('10.0.0.1');
    expect(() => addrFlag('--listen-addr', 'm1:0')).toThrow(
      'invalid argument "m1:0" for "--listen-addr": port must be 1-65535',
    );
    expect(() => managerAddrArg('a b')).toThrow(
      'invalid manager address "a b": expected HOST or HOST:PORT',
    );
  });
});
