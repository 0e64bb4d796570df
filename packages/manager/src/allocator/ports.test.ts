import { isSwarmletError, type Port, type Service } from '@swarmlet/api-types';
import { sampleService } from '@swarmlet/store';
import { describe, expect, it } from 'vitest';
import { allocatePorts } from './ports.js';

function svc(name: string, ports: Port[], allocated?: Service['endpoint']): Service {
  const base = sampleService(name);
  return {
    ...base,
    id: name,
    meta: { version: 1, createdAt: '', updatedAt: '' },
    spec: { ...base.spec, ports },
    ...(allocated ? { endpoint: allocated } : {}),
  };
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('allocatePorts', () => {
  it('fills defaults (tcp, ingress) and hands out 30000.. for ports without a published one', () => {
    const got = allocatePorts(
      svc('a', [{ target: 80 }, { target: 53, protocol: 'udp' }, { target: 443, published: 8443 }]),
      [],
    );
    expect(got).toEqual([
      { target: 80, published: 30000, protocol: 'tcp', mode: 'ingress' },
      { target: 53, published: 30000, protocol: 'udp', mode: 'ingress' },
      { target: 443, published: 8443, protocol: 'tcp', mode: 'ingress' },
    ]);
  });

  it('refuses an ingress port another service publishes, naming it; other protocol is fine', () => {
    const web = svc('web', [], {
      vips: [],
      ports: [{ target: 80, published: 8080, protocol: 'tcp', mode: 'ingress' }],
    });
    const err = errorOf(() => allocatePorts(svc('api', [{ target: 80, published: 8080 }]), [web]));
    expect(isSwarmletError(err, 'CONFLICT')).toBe(true);
    expect((err as Error).message).toBe('port 8080/tcp is already published by service web');
    expect(
      allocatePorts(svc('dns', [{ target: 53, published: 8080, protocol: 'udp' }]), [web]),
    ).toHaveLength(1);
    // Dynamic ports skip what others hold.
    const holder = svc('h', [], {
      vips: [],
      ports: [{ target: 1, published: 30000, protocol: 'tcp', mode: 'ingress' }],
    });
    expect(allocatePorts(svc('x', [{ target: 80 }]), [holder])[0]?.published).toBe(30001);
  });

  it('refuses the same port twice in one spec, but allows host-mode ports on any number', () => {
    const twice = errorOf(() =>
      allocatePorts(
        svc('a', [
          { target: 80, published: 9000 },
          { target: 81, published: 9000 },
        ]),
        [],
      ),
    );
    expect(isSwarmletError(twice, 'INVALID_ARGUMENT')).toBe(true);
    const host = allocatePorts(
      svc('b', [
        { target: 80, published: 9000, mode: 'host' },
        { target: 81, mode: 'host' },
      ]),
      [
        svc('c', [], {
          vips: [],
          ports: [{ target: 1, published: 9000, protocol: 'tcp', mode: 'host' }],
        }),
      ],
    );
    expect(host.map((p) => p.published)).toEqual([9000, 0]);
  });

  it('keeps a dynamic port across updates, and a named port never collides with a dynamic one', () => {
    const before = svc('a', [{ target: 80 }], {
      vips: [],
      ports: [{ target: 80, published: 30007, protocol: 'tcp', mode: 'ingress' }],
    });
    expect(allocatePorts(before, [])[0]?.published).toBe(30007);
    const mixed = allocatePorts(svc('m', [{ target: 80 }, { target: 81, published: 30000 }]), []);
    expect(mixed.map((p) => p.published)).toEqual([30001, 30000]);
  });
});
