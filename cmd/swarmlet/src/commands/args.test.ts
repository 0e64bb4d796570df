import { describe, expect, it } from 'vitest';
import { initRequest } from './cluster.js';
import { parsePsFilters } from './service-read.js';
import { parseScaleArg } from './service-write.js';

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
});
