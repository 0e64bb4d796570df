import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_PORT,
  DEFAULT_SOCKET,
  resolveEndpoint,
  type ConnectionFlags,
  type ReadFile,
} from './endpoint.js';

const PEM = (what: string) => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;

/** A ReadFile over a map; a missing path fails like fs does. */
function files(map: Record<string, string> = {}): ReadFile {
  return (path) => {
    const text = map[path];
    if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return text;
  };
}

const resolve = (flags: ConnectionFlags, env: Record<string, string> = {}, read = files()) =>
  resolveEndpoint(flags, env, read);

describe('resolveEndpoint', () => {
  it('defaults to the local socket', () => {
    expect(resolve({})).toEqual({ socketPath: DEFAULT_SOCKET });
    expect(DEFAULT_SOCKET).toBe('/var/run/swarmlet.sock');
    expect(CLUSTER_PORT).toBe(4242);
  });

  it('prefers flags over the environment, and hosts over sockets', () => {
    expect(resolve({}, { SWARMLET_SOCKET: '/tmp/s.sock' })).toEqual({ socketPath: '/tmp/s.sock' });
    expect(resolve({ socket: '/a.sock' }, { SWARMLET_SOCKET: '/b.sock' })).toEqual({
      socketPath: '/a.sock',
    });
    expect(resolve({ socket: '/a.sock' }, { SWARMLET_HOST: 'tcp://h:2377' })).toEqual({
      url: 'https://h:2377',
    });
    expect(resolve({ host: 'http://x:1' }, { SWARMLET_HOST: 'tcp://h:2377' })).toEqual({
      url: 'http://x:1',
    });
    expect(resolve({}, { SWARMLET_HOST: '', SWARMLET_SOCKET: '/s' })).toEqual({ socketPath: '/s' });
  });

  it.each([
    ['unix:///run/s.sock', { socketPath: '/run/s.sock' }],
    ['tcp://10.0.0.1:2377', { url: 'https://10.0.0.1:2377' }],
    ['tcp://10.0.0.1', { url: 'https://10.0.0.1:4242' }],
    ['https://m1:2377/', { url: 'https://m1:2377' }],
    ['https://m1', { url: 'https://m1' }],
    ['http://127.0.0.1:8080', { url: 'http://127.0.0.1:8080' }],
    ['127.0.0.1:2377', { url: 'https://127.0.0.1:2377' }],
    ['m1.example', { url: 'https://m1.example:4242' }],
    ['[::1]:4243', { url: 'https://[::1]:4243' }],
  ])('understands --host %s', (host, endpoint) => {
    expect(resolve({ host })).toEqual(endpoint);
  });

  it.each([
    ['http://', 'not a URL'],
    ['ssh://m1', 'use unix://, tcp://, https:// or http://'],
  ])('rejects --host %s', (host, why) => {
    expect(() => resolve({ host })).toThrow(`invalid argument "${host}" for "--host": ${why}`);
  });
});

describe('resolveEndpoint over HTTPS', () => {
  const read = files({ '/ca.pem': PEM('CERTIFICATE'), '/c.pem': 'cert', '/k.pem': 'key' });

  it('sends the token from --token or SWARMLET_TOKEN, trimmed', () => {
    expect(resolve({ host: 'm1', token: 'swlapi_x' })).toEqual({
      url: 'https://m1:4242',
      token: 'swlapi_x',
    });
    expect(resolve({ host: 'm1' }, { SWARMLET_TOKEN: ' swlapi_y\n' })).toEqual({
      url: 'https://m1:4242',
      token: 'swlapi_y',
    });
    expect(resolve({ host: 'm1', token: 'a' }, { SWARMLET_TOKEN: 'b' })).toMatchObject({
      token: 'a',
    });
  });

  it('trusts the cluster CA and checks for a manager certificate instead of the host name', () => {
    const ep = resolve({ host: 'm1', tlscacert: '/ca.pem' }, {}, read);
    expect(ep).toEqual({
      url: 'https://m1:4242',
      tls: { ca: PEM('CERTIFICATE'), checkServerIdentity: expect.any(Function) },
    });
    const check = 'url' in ep ? ep.tls?.checkServerIdentity : undefined;
    const cert = (ou: string) => ({ subject: { OU: ou } }) as unknown as PeerCertificate;
    expect(check?.('10.0.0.1', cert('swarmlet-manager'))).toBeUndefined();
    expect(check?.('10.0.0.1', cert('swarmlet-worker'))?.message).toBe(
      'the certificate of 10.0.0.1 is not a swarmlet manager certificate',
    );
  });

  it('keeps the default host name check against the system CAs without --tlscacert', () => {
    expect(resolve({ host: 'm1' })).toEqual({ url: 'https://m1:4242' });
  });

  it('reads the client certificate and key, from flags or the environment', () => {
    const both = { host: 'm1', tlscert: '/c.pem', tlskey: '/k.pem' };
    const pems = files({ '/c.pem': PEM('CERTIFICATE'), '/k.pem': PEM('PRIVATE KEY') });
    expect(resolve(both, {}, pems)).toEqual({
      url: 'https://m1:4242',
      tls: { cert: PEM('CERTIFICATE'), key: PEM('PRIVATE KEY') },
    });
    const env = { SWARMLET_TLS_CERT: '/c.pem', SWARMLET_TLS_KEY: '/k.pem', SWARMLET_TLS_CA: '' };
    expect(resolve({ host: 'm1' }, env, pems)).toEqual(resolve(both, {}, pems));
    expect(() => resolve({ host: 'm1', tlscert: '/c.pem' }, {}, pems)).toThrow(
      '--tlscert and --tlskey must be given together',
    );
  });

  it('names the flag or variable of a file it cannot use', () => {
    expect(() => resolve({ host: 'm1', tlscacert: '/nope' })).toThrow(
      `invalid argument "/nope" for "--tlscacert": ENOENT: no such file or directory, open '/nope'`,
    );
    expect(() => resolve({ host: 'm1' }, { SWARMLET_TLS_CA: '/nope' })).toThrow(
      'invalid argument "/nope" for "SWARMLET_TLS_CA"',
    );
    expect(() => resolve({ host: 'm1', tlscacert: '/c.pem' }, {}, read)).toThrow(
      'invalid argument "/c.pem" for "--tlscacert": not a PEM file',
    );
  });

  it('ignores credentials for the unix socket and plain HTTP, without reading files', () => {
    const creds = { token: 't', tlscacert: '/nope', tlscert: '/nope', tlskey: '/nope' };
    expect(resolve(creds)).toEqual({ socketPath: DEFAULT_SOCKET });
    expect(resolve({ ...creds, host: 'http://127.0.0.1:8080' })).toEqual({
      url: 'http://127.0.0.1:8080',
    });
  });
});
