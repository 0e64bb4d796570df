import { describe, expect, it } from 'vitest';
import { initRequest } from './cluster.js';
import { roleChangedMessage } from './node-write.js';
import { parsePsFilters } from './service-read.js';
import { parseScaleArg } from './service-write.js';
import { joinRequest, joinRole } from './swarm.js';
import { tokenCreateRequest } from './token.js';

describe('parseScaleArg', () => {
  it('splits SERVICE=REPLICAS at the last =', () => {
    expect(parseScaleArg('web=3')).toEqual({ ref: 'web', replicas: 3 });
  });
  it.each(['web', 'web=', 'web=-1', '=3', 'web=x'])('rejects %j', (arg) => {
    expect(() => parseScaleArg(arg)).toThrow(`invalid scale specifier "${arg}"`);
  });
});

describe('parsePsFilters', () => {
  it('splits server-side and client-side filters', () => {
    expect(parsePsFilters(['desired-state=running', 'node=host-1', 'id=ab', 'name=web.1'])).toEqual(
      {
        server: { desiredState: 'running', node: 'host-1' },
        id: 'ab',
        name: 'web.1',
      },
    );
  });
  it('rejects unknown keys, bad states and missing values', () => {
    expect(() => parsePsFilters(['color=red'])).toThrow("invalid filter 'color'");
    expect(() => parsePsFilters(['desired-state=sleeping'])).toThrow(
      '"desired-state=sleeping" for "--filter"',
    );
    expect(() => parsePsFilters(['node'])).toThrow('expected key=value');
  });
});

describe('initRequest', () => {
  it('parses durations and counts', () => {
    expect(initRequest({ clusterName: 'c', heartbeatPeriod: '2s', taskHistoryLimit: '3' })).toEqual(
      {
        clusterName: 'c',
        heartbeatPeriodMs: 2000,
        taskHistoryRetentionLimit: 3,
      },
    );
    expect(initRequest({})).toEqual({});
    expect(() => initRequest({ heartbeatPeriod: '2' })).toThrow(
      'invalid argument "2" for "--heartbeat-period"',
    );
  });

  it('adds addresses, certificate expiry and force-new-cluster', () => {
    expect(
      initRequest({
        advertiseAddr: '10.0.0.1',
        listenAddr: '0.0.0.0:4243',
        certExpiry: '90d',
        forceNewCluster: true,
      }),
    ).toEqual({
      advertiseAddr: '10.0.0.1',
      listenAddr: '0.0.0.0:4243',
      certExpiryMs: 90 * 24 * 3_600_000,
      forceNewCluster: true,
    });
    expect(initRequest({ certExpiry: '10s', forceNewCluster: false })).toEqual({
      certExpiryMs: 10_000,
    });
  });

  it.each([
    [{ certExpiry: '9s' }, 'invalid argument "9s" for "--cert-expiry": must be at least 10s'],
    [{ certExpiry: '90' }, 'invalid argument "90" for "--cert-expiry": time: missing unit'],
    [{ advertiseAddr: '10.0.0.1:99999' }, '"--advertise-addr": port must be 1-65535'],
    [{ listenAddr: 'a b' }, '"--listen-addr": expected HOST or HOST:PORT'],
  ])('rejects %j', (flags, message) => {
    expect(() => initRequest(flags)).toThrow(message);
  });
});

describe('joinRequest', () => {
  it('builds the request from the token, the manager address and the optional addresses', () => {
    expect(joinRequest('10.0.0.1', { token: ' SWLTKN-1-x ' })).toEqual({
      token: 'SWLTKN-1-x',
      remoteAddr: '10.0.0.1',
    });
    expect(
      joinRequest('m1:4242', { token: 't', advertiseAddr: '10.0.0.2', listenAddr: '0.0.0.0' }),
    ).toEqual({
      token: 't',
      remoteAddr: 'm1:4242',
      advertiseAddr: '10.0.0.2',
      listenAddr: '0.0.0.0',
    });
  });

  it('rejects an empty token and bad addresses', () => {
    expect(() => joinRequest('m1', { token: ' ' })).toThrow('--token must not be empty');
    expect(() => joinRequest('m1:0', { token: 't' })).toThrow('invalid manager address "m1:0"');
    expect(() => joinRequest('m1', { token: 't', advertiseAddr: '' })).toThrow(
      'invalid argument "" for "--advertise-addr"',
    );
  });
});

describe('joinRole, tokenCreateRequest, roleChangedMessage', () => {
  it('accepts the two join roles only', () => {
    expect(joinRole('worker')).toBe('worker');
    expect(joinRole('manager')).toBe('manager');
    expect(() => joinRole('admin')).toThrow('unknown role "admin": use worker or manager');
  });

  it('checks the API token role', () => {
    expect(tokenCreateRequest('ci', {})).toEqual({ name: 'ci' });
    expect(tokenCreateRequest('ci', { role: 'readonly' })).toEqual({
      name: 'ci',
      role: 'readonly',
    });
    expect(() => tokenCreateRequest('ci', { role: 'root' })).toThrow(
      'invalid argument "root" for "--role": must be one of admin, readonly',
    );
  });

  it('words role changes like docker', () => {
    expect(roleChangedMessage('w1', 'manager')).toBe(
      'Node w1 promoted to a manager in the cluster.',
    );
    expect(roleChangedMessage('m2', 'worker')).toBe('Manager m2 demoted in the cluster.');
  });
});
