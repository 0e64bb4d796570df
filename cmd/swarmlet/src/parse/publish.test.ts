import { describe, expect, it } from 'vitest';
import { buildServiceSpec } from './service-flags.js';
import { parsePublish } from './publish.js';

describe('parsePublish', () => {
  it.each([
    ['8080:80', { target: 80, published: 8080 }],
    ['80', { target: 80 }],
    ['5353:53/udp', { target: 53, published: 5353, protocol: 'udp' }],
    [
      'published=8443,target=443,proxy-protocol=v2',
      { target: 443, published: 8443, proxyProtocol: true },
    ],
    [
      'published=8080,target=80,protocol=tcp,mode=host',
      { target: 80, published: 8080, protocol: 'tcp', mode: 'host' },
    ],
    ['target=80', { target: 80 }],
    ['src=9000,dst=90', { target: 90, published: 9000 }],
  ])('%s', (raw, want) => {
    expect(parsePublish(raw)).toEqual(want);
  });

  it.each([
    ['8080:', 'expected [PUBLISHED:]TARGET'],
    ['0:80', 'published must be a port number'],
    ['8080:70000', 'target must be a port number'],
    ['80/sctp', 'expected [PUBLISHED:]TARGET'],
    ['published=80', 'target= is required'],
    ['target=80,mode=global', 'mode must be ingress or host'],
    ['target=80,proto=tcp', 'unknown field "proto"'],
  ])('refuses %s', (raw, why) => {
    expect(() => parsePublish(raw)).toThrow(why);
  });

  it('service create -p and --endpoint-mode build the spec', () => {
    const spec = buildServiceSpec(
      'img',
      [],
      { publish: ['8080:80', '53/udp'], endpointMode: 'dnsrr' },
      'w',
    );
    expect(spec.ports).toEqual([
      { target: 80, published: 8080 },
      { target: 53, protocol: 'udp' },
    ]);
    expect(spec.endpointMode).toBe('dnsrr');
    expect(() => buildServiceSpec('img', [], { endpointMode: 'rr' }, 'w')).toThrow(
      '--endpoint-mode',
    );
  });
});
