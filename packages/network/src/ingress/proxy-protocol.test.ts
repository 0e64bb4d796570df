import { describe, expect, it } from 'vitest';
import { readIPv6, writeIPv6 } from './ip.js';
import {
  PROXY_V2_SIGNATURE,
  decodeProxyV2,
  encodeProxyV2,
  encodeProxyV2Local,
} from './proxy-protocol.js';

const SIG = '0d0a0d0a000d0a515549540a';

describe('encodeProxyV2', () => {
  it('writes TCP over IPv4 byte for byte', () => {
    const h = encodeProxyV2(
      { address: '192.168.1.2', port: 51000 },
      { address: '10.0.0.1', port: 443 },
    );
    expect(h.toString('hex')).toBe(
      `${SIG}21` + '11' + '000c' + 'c0a80102' + '0a000001' + 'c738' + '01bb',
    );
  });

  it('writes TCP over IPv6 byte for byte', () => {
    const h = encodeProxyV2({ address: '2001:db8::1', port: 1 }, { address: '::1', port: 8080 });
    expect(h.toString('hex')).toBe(
      `${SIG}21` +
        '21' +
        '0024' +
        '20010db8000000000000000000000001' +
        '00000000000000000000000000000001' +
        '0001' +
        '1f90',
    );
  });

  it('sends IPv4-mapped addresses of a dual-stack listener as IPv4', () => {
    const h = encodeProxyV2(
      { address: '::ffff:127.0.0.5', port: 2 },
      { address: '::FFFF:127.0.0.1', port: 3 },
    );
    expect(decodeProxyV2(h)).toEqual({
      command: 'PROXY',
      family: 'tcp4',
      length: 28,
      source: { address: '127.0.0.5', port: 2 },
      destination: { address: '127.0.0.1', port: 3 },
    });
  });

  it('maps an IPv4 end into IPv6 when the other end is IPv6', () => {
    const h = encodeProxyV2({ address: '10.1.2.3', port: 2 }, { address: 'fe80::1%eth0', port: 3 });
    expect(decodeProxyV2(h)).toMatchObject({
      family: 'tcp6',
      source: { address: '::ffff:a01:203', port: 2 },
      destination: { address: 'fe80::1', port: 3 },
    });
  });

  it('writes LOCAL with no addresses', () => {
    expect(encodeProxyV2Local().toString('hex')).toBe(`${SIG}20000000`);
    expect(decodeProxyV2(encodeProxyV2Local())).toEqual({
      command: 'LOCAL',
      family: 'unspec',
      length: 16,
    });
  });
});

describe('decodeProxyV2', () => {
  const v4 = encodeProxyV2({ address: '1.2.3.4', port: 5 }, { address: '6.7.8.9', port: 10 });

  it('waits for the whole header, then reports where the payload starts', () => {
    for (let n = 0; n < v4.length; n++) expect(decodeProxyV2(v4.subarray(0, n))).toBeUndefined();
    const withPayload = Buffer.concat([v4, Buffer.from('GET /')]);
    expect(decodeProxyV2(withPayload)?.length).toBe(28);
  });

  it('skips TLVs counted in the length', () => {
    const tlv = Buffer.from([0x04, 0x00, 0x01, 0x00]); // PP2_TYPE_NOOP with one byte
    const h = Buffer.concat([v4, tlv]);
    h.writeUInt16BE(12 + tlv.length, 14);
    expect(decodeProxyV2(h)).toMatchObject({ length: 32, source: { address: '1.2.3.4', port: 5 } });
  });

  it('rejects what is not a v2 header', () => {
    expect(() => decodeProxyV2(Buffer.from('PROXY TCP4 1.2.3.4'))).toThrow(/not a PROXY/);
    const v1 = Buffer.from(v4);
    v1[12] = 0x11;
    expect(() => decodeProxyV2(v1)).toThrow(/version 1/);
    const short = Buffer.from(v4);
    short.writeUInt16BE(4, 14);
    expect(() => decodeProxyV2(short)).toThrow(/too short/);
    expect(PROXY_V2_SIGNATURE.length).toBe(12);
  });
});

describe('IPv6 text and bytes', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:1:0:0:0:1:0', '0:0:1::1:0'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
  ])('%s reads back as %s', (text, canonical) => {
    const b = Buffer.alloc(16);
    writeIPv6(text, b, 0);
    expect(readIPv6(b, 0)).toBe(canonical);
  });
});
