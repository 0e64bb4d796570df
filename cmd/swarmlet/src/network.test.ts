import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initRequest } from './commands/cluster.js';
import { networkCreateRequest } from './commands/network.js';
import { buildServiceSpec } from './parse/service-flags.js';
import { runCli, startDaemon, type TestDaemon } from './testing/harness.js';

describe('network flags', () => {
  it('builds create requests and refuses drivers other than overlay', () => {
    expect(
      networkCreateRequest('back', {
        driver: 'overlay',
        subnet: '10.9.0.0/24',
        attachable: true,
        label: ['tier=data'],
      }),
    ).toEqual({
      name: 'back',
      driver: 'overlay',
      subnet: '10.9.0.0/24',
      attachable: true,
      labels: { tier: 'data' },
    });
    expect(() => networkCreateRequest('x', { driver: 'bridge' })).toThrow(
      'only the overlay driver is supported',
    );
  });

  it('service create --network is repeatable; init takes address pools', () => {
    expect(buildServiceSpec('img', [], { network: ['a', 'b'] }, 'web').networks).toEqual([
      'a',
      'b',
    ]);
    expect(buildServiceSpec('img', [], {}, 'web').networks).toBeUndefined();
    expect(
      initRequest({ defaultAddrPool: ['10.20.0.0/16'], defaultAddrPoolMaskLen: '26' }),
    ).toEqual({ defaultAddrPool: ['10.20.0.0/16'], defaultAddrPoolMaskLen: 26 });
    expect(() => initRequest({ defaultAddrPoolMaskLen: '30' })).toThrow('use 8-29');
  });
});

describe('swarmlet network', () => {
  let daemon: TestDaemon;
  const cli = (...args: string[]) => runCli(daemon.socket, args);
  beforeEach(async () => {
    daemon = await startDaemon();
  });
  afterEach(async () => daemon.close());

  it('creates, lists, inspects and removes networks', async () => {
    const created = await cli('network', 'create', '--subnet', '10.9.0.0/24', 'back');
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    expect(id).toBe(daemon.fake.networks[0]?.id);
    const ls = await cli('network', 'ls');
    expect(ls.stdout).toMatch(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\s+SUBNET\n/);
    expect(ls.stdout).toContain(`${id.slice(0, 12)}   back      overlay   swarm     10.9.0.0/24`);
    const inspect = await cli('network', 'inspect', 'back');
    expect(JSON.parse(inspect.stdout)[0].ipam.subnet).toBe('10.9.0.0/24');
    const rm = await cli('network', 'rm', 'back', 'nope');
    expect(rm).toMatchObject({
      code: 1,
      stdout: 'back\n',
      stderr: 'Error: network nope not found\n',
    });
    expect(daemon.fake.networks).toHaveLength(0);
  });
});
