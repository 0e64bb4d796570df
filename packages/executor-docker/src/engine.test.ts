import { describe, expect, it } from 'vitest';
import {
  compareApiVersions,
  dockerOptions,
  negotiateApiVersion,
  MAX_API_VERSION,
} from './engine.js';

describe('dockerOptions', () => {
  it('accepts socket paths and DOCKER_HOST-style addresses', () => {
    expect(dockerOptions({ socketPath: '/x.sock', host: 'tcp://h:1' })).toEqual({
      socketPath: '/x.sock',
    });
    expect(dockerOptions({ host: 'unix:///run/d.sock' })).toEqual({ socketPath: '/run/d.sock' });
    expect(dockerOptions({ host: '/run/d.sock' })).toEqual({ socketPath: '/run/d.sock' });
    expect(dockerOptions({ host: 'tcp://127.0.0.1:2375' })).toEqual({
      protocol: 'http',
      host: '127.0.0.1',
      port: 2375,
    });
    expect(dockerOptions({ host: 'https://h' })).toEqual({
      protocol: 'https',
      host: 'h',
      port: 2376,
    });
    expect(dockerOptions({})).toEqual({});
  });
});

describe('negotiateApiVersion', () => {
  it("uses the engine's version when older than ours, else ours", () => {
    expect(negotiateApiVersion('1.41')).toBe('1.41');
    expect(negotiateApiVersion('1.51')).toBe(MAX_API_VERSION);
    expect(negotiateApiVersion(undefined)).toBe(MAX_API_VERSION);
  });

  it('compares minor versions numerically', () => {
    expect(compareApiVersions('1.9', '1.41')).toBeLessThan(0);
    expect(compareApiVersions('1.41', '1.41')).toBe(0);
  });
});
