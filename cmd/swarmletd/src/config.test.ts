import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseConfig } from './config.js';

describe('swarmletd flags', () => {
  it('uses the defaults, then the environment, then the flags', () => {
    expect(parseConfig([], {})).toMatchObject({
      dataDir: DEFAULTS.dataDir,
      socket: DEFAULTS.socket,
      logLevel: 'info',
      tcp: undefined,
    });
    const env = {
      SWARMLET_DATA_DIR: '/env/data',
      SWARMLET_SOCKET: '/env/s.sock',
      SWARMLET_LOG_LEVEL: 'warn',
    };
    expect(parseConfig([], env)).toMatchObject({
      dataDir: '/env/data',
      socket: '/env/s.sock',
      logLevel: 'warn',
    });
    expect(parseConfig(['--data-dir', '/flag', '--log-level', 'debug'], env)).toMatchObject({
      dataDir: '/flag',
      logLevel: 'debug',
    });
  });

  it('accepts TCP on loopback only', () => {
    expect(parseConfig(['--tcp', '127.0.0.1:2377'], {})).toMatchObject({
      tcp: { host: '127.0.0.1', port: 2377 },
    });
    expect(parseConfig(['--tcp', '[::1]:2377'], {})).toMatchObject({
      tcp: { host: '::1', port: 2377 },
    });
    expect(() => parseConfig(['--tcp', '0.0.0.0:2377'], {})).toThrow(/loopback only/);
    expect(() => parseConfig(['--tcp', '10.1.2.3:2377'], {})).toThrow(/loopback only/);
    expect(() => parseConfig(['--tcp', '127.0.0.1:99999'], {})).toThrow(/expected HOST:PORT/);
  });

  it('refuses bad values and unknown flags with a message', () => {
    expect(() => parseConfig(['--log-level', 'loud'], {})).toThrow(/invalid --log-level "loud"/);
    expect(() => parseConfig(['--engine-concurrency', '0'], {})).toThrow(/positive integer/);
    expect(() => parseConfig(['--bogus'], {})).toThrow(/bogus/);
    expect(() => parseConfig(['extra'], {})).toThrow();
  });

  it('answers --help', () => {
    expect(parseConfig(['--help'], {})).toBe('help');
  });
});
