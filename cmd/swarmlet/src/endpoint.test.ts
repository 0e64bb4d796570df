import { describe, expect, it } from 'vitest';
import { DEFAULT_SOCKET, resolveEndpoint } from './endpoint.js';

describe('resolveEndpoint', () => {
  it('defaults to the local socket', () => {
    expect(resolveEndpoint({}, {})).toEqual({ socketPath: DEFAULT_SOCKET });
    expect(DEFAULT_SOCKET).toBe('/var/run/swarmlet.sock');
  });

  it('prefers flags over the environment, and hosts over sockets', () => {
    expect(resolveEndpoint({}, { SWARMLET_SOCKET: '/tmp/s.sock' })).toEqual({
      socketPath: '/tmp/s.sock',
    });
    expect(resolveEndpoint({ socket: '/a.sock' }, { SWARMLET_SOCKET: '/b.sock' })).toEqual({
      socketPath: '/a.sock',
    });
    expect(resolveEndpoint({ socket: '/a.sock' }, { SWARMLET_HOST: 'tcp://h:2377' })).toEqual({
      url: 'http://h:2377',
    });
    expect(resolveEndpoint({ host: 'http://x:1' }, { SWARMLET_HOST: 'tcp://h:2377' })).toEqual({
      url: 'http://x:1',
    });
  });

  it.each([
    ['unix:///run/s.sock', { socketPath: '/run/s.sock' }],
    ['tcp://10.0.0.1:2377', { url: 'http://10.0.0.1:2377' }],
    ['https://m1:2377/', { url: 'https://m1:2377' }],
    ['127.0.0.1:2377', { url: 'http://127.0.0.1:2377' }],
  ])('understands --host %s', (host, endpoint) => {
    expect(resolveEndpoint({ host }, {})).toEqual(endpoint);
  });

  it('rejects a host that is not a URL', () => {
    expect(() => resolveEndpoint({ host: 'http://' }, {})).toThrow(
      'invalid argument "http://" for "--host"',
    );
  });
});
