import { describe, expect, it } from 'vitest';
import { AnswerEncoder, ipv6Bytes } from './answers.js';
import { decodeResponse, encodeQuery } from './testing.js';
import {
  buildEmptyResponse,
  buildResponse,
  ParseResult,
  parseQuery,
  Query,
  Rcode,
} from './wire.js';

const parse = (msg: Buffer): { r: ParseResult; q: Query } => {
  const q = new Query();
  return { r: parseQuery(msg, q), q };
};

describe('parseQuery', () => {
  it('reads id, lower-case name, type, class and the end of the question', () => {
    const msg = encodeQuery('Tasks.WEB', 'AAAA', { id: 0xbeef });
    const { r, q } = parse(msg);
    expect(r).toBe(ParseResult.OK);
    expect(q).toMatchObject({ id: 0xbeef, name: 'tasks.web', qtype: 28, qclass: 1, odd: false });
    expect(q.questionEnd).toBe(msg.length);
    expect(q.edns).toBe(false);
  });

  it('reads the root name and flags labels that cannot be service names', () => {
    expect(parse(encodeQuery('', 'NS')).q.name).toBe('');
    expect(parse(encodeQuery('a b.c', 'A')).q.odd).toBe(true);
    const dotted = Buffer.from(encodeQuery('xyz', 'A'));
    dotted[14] = 0x2e; // 'x.z' as one label
    expect(parse(dotted).q).toMatchObject({ name: 'x.z', odd: true });
  });

  it('reads EDNS0: payload size clamped to [512, 4096], version, DO bit', () => {
    const q1 = parse(encodeQuery('web', 'A', { edns: { udpSize: 1232, dnssecOk: true } })).q;
    expect(q1).toMatchObject({ edns: true, udpSize: 1232, ednsVersion: 0, dnssecOk: true });
    expect(parse(encodeQuery('web', 'A', { edns: { udpSize: 100 } })).q.udpSize).toBe(512);
    expect(parse(encodeQuery('web', 'A', { edns: { udpSize: 65000 } })).q.udpSize).toBe(4096);
    expect(
      parse(encodeQuery('web', 'A', { edns: { udpSize: 4096, version: 1 } })).q.ednsVersion,
    ).toBe(1);
  });

  it('drops what is not a readable query', () => {
    const ok = encodeQuery('web', 'A');
    const response = Buffer.from(ok);
    response[2]! |= 0x80;
    const longLabel = encodeQuery('a'.repeat(64), 'A');
    const longName = encodeQuery(Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.'), 'A');
    const pointer = Buffer.concat([ok.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
    const cut = encodeQuery('web', 'A', { edns: { udpSize: 1232 } }).subarray(0, ok.length + 5);
    for (const bad of [
      Buffer.alloc(0),
      ok.subarray(0, 11),
      ok.subarray(0, ok.length - 1),
      response,
      longLabel,
      longName,
      pointer,
      cut,
    ]) {
      expect(parse(bad).r).toBe(ParseResult.DROP);
    }
  });

  it('FORMERR without a question or with two OPT records, NOTIMP for other opcodes', () => {
    expect(parse(encodeQuery('web', 'A', { qdcount: 0 }).subarray(0, 12)).r).toBe(
      ParseResult.FORMERR,
    );
    // A question count that does not match the bytes is noise, not a query.
    expect(parse(encodeQuery('web', 'A', { qdcount: 0 })).r).toBe(ParseResult.DROP);
    expect(parse(encodeQuery('web', 'A', { qdcount: 2 })).r).toBe(ParseResult.DROP);
    expect(parse(Buffer.from('garbage!garbage!')).r).toBe(ParseResult.DROP);
    const two = encodeQuery('web', 'A', { edns: { udpSize: 1232 } });
    const twoOpt = Buffer.concat([two, two.subarray(two.length - 11)]);
    twoOpt.writeUInt16BE(2, 10);
    expect(parse(twoOpt).r).toBe(ParseResult.FORMERR);
    const notify = parse(encodeQuery('web', 'A', { opcode: 4 }));
    expect(notify.r).toBe(ParseResult.NOTIMP);
    expect(notify.q.questionEnd).toBeGreaterThan(12);
  });
});

describe('buildResponse', () => {
  const enc = new AnswerEncoder();
  const addrs = Array.from({ length: 50 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);

  it('echoes the question as sent and names each answer by a pointer to it', () => {
    const msg = encodeQuery('WeB', 'A', { id: 7 });
    const q = new Query();
    parseQuery(msg, q);
    const a = enc.encode(addrs.slice(0, 3), 1, 5);
    const out = buildResponse(
      msg,
      q,
      { rcode: 0, aa: true, rrs: a.rrs, rrSize: a.rrSize, first: 2, count: 3 },
      512,
      0,
    );
    const d = decodeResponse(out);
    expect(d).toMatchObject({ id: 7, qr: true, aa: true, tc: false, rd: true, ra: true, rcode: 0 });
    expect(d.questions).toEqual([{ name: 'WeB', type: 1, class: 1 }]);
    expect(d.answers.map((x) => [x.name, x.ttl, x.data])).toEqual([
      ['WeB', 5, '10.0.0.2'],
      ['WeB', 5, '10.0.0.0'],
      ['WeB', 5, '10.0.0.1'],
    ]);
  });

  it('fits as many records as the limit allows and sets TC; the OPT record always fits', () => {
    const msg = encodeQuery('tasks.web', 'A', { edns: { udpSize: 600 } });
    const q = new Query();
    parseQuery(msg, q);
    const a = enc.encode(addrs, 1, 1);
    const parts = {
      rcode: Rcode.NOERROR,
      aa: true,
      rrs: a.rrs,
      rrSize: a.rrSize,
      first: 0,
      count: 50,
    };
    const out = buildResponse(msg, q, parts, q.udpSize, 0);
    expect(out.length).toBeLessThanOrEqual(600);
    const d = decodeResponse(out);
    expect(d.tc).toBe(true);
    expect(d.answers).toHaveLength(Math.floor((600 - 12 - 15 - 11) / 16));
    expect(d.additional).toEqual([{ name: '', type: 41, class: 1232, ttl: 0, data: '' }]);
    const full = decodeResponse(buildResponse(msg, q, parts, 65535, 0));
    expect(full.tc).toBe(false);
    expect(full.answers.map((x) => x.data)).toEqual(addrs);
  });

  it('writes a TCP length prefix and answers without a question when there is none', () => {
    const msg = encodeQuery('web', 'A', { qdcount: 0 }).subarray(0, 12);
    const q = new Query();
    expect(parseQuery(msg, q)).toBe(ParseResult.FORMERR);
    const out = buildEmptyResponse(msg, q, Rcode.FORMERR, false, 2);
    expect(out.readUInt16BE(0)).toBe(12);
    expect(decodeResponse(out.subarray(2))).toMatchObject({
      rcode: Rcode.FORMERR,
      questions: [],
      answers: [],
    });
  });

  it('encodes BADVERS as extended rcode 1 in the OPT record', () => {
    const msg = encodeQuery('web', 'A', { edns: { udpSize: 1232, version: 1 } });
    const q = new Query();
    parseQuery(msg, q);
    const d = decodeResponse(buildEmptyResponse(msg, q, Rcode.BADVERS, false, 0));
    expect(d.rcode).toBe(0);
    expect(d.additional[0]!.ttl >>> 24).toBe(1);
  });
});

describe('address encoding', () => {
  it('reads IPv6 text forms', () => {
    expect(ipv6Bytes('::').toString('hex')).toBe('0'.repeat(32));
    expect(ipv6Bytes('fd00::1').toString('hex')).toBe('fd00' + '0'.repeat(27) + '1');
    expect(ipv6Bytes('1:2:3:4:5:6:7:8').toString('hex')).toBe('00010002000300040005000600070008');
    expect(ipv6Bytes('::ffff:10.0.0.1').toString('hex')).toBe('0'.repeat(20) + 'ffff0a000001');
    expect(ipv6Bytes('FE80::1%eth0').toString('hex')).toBe('fe80' + '0'.repeat(27) + '1');
  });

  it('leaves out addresses of the other family and re-encodes when the TTL changes', () => {
    const enc = new AnswerEncoder();
    const list = ['10.0.0.1', 'fd00::1', 'nonsense', '10.0.0.2'];
    expect(enc.encode(list, 1, 1)).toMatchObject({ count: 2, rrSize: 16, ttl: 1 });
    expect(enc.encode(list, 28, 1)).toMatchObject({ count: 1, rrSize: 28 });
    expect(enc.encode(list, 1, 1)).toBe(enc.encode(list, 1, 1));
    expect(enc.encode(list, 1, 9).ttl).toBe(9);
  });
});
