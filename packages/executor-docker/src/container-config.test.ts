import { describe, expect, it } from 'vitest';
import { makeTestTask } from './test-task.js';
import { createOptions, stopTimeoutSeconds, taskEnv } from './container-config.js';

const task = makeTestTask({ id: 't1', nodeId: 'n1', serviceName: 'web', slot: 3 });

describe('createOptions', () => {
  it('keeps the image ENTRYPOINT/CMD when command and args are empty', () => {
    const opts = createOptions(task, 'n1');
    expect(opts).not.toHaveProperty('Entrypoint');
    expect(opts).not.toHaveProperty('Cmd');
    expect(opts).not.toHaveProperty('User');
    expect(opts).not.toHaveProperty('WorkingDir');
    expect(opts.name).toBe('web.3.t1');
    expect(opts.HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
  });

  it('puts the container on its first overlay at its address, behind the node DNS, with host ports', () => {
    const opts = createOptions(task, 'n1', {
      networks: [
        { name: 'swarmlet-default-abc', ip: '10.0.0.5' },
        { name: 'swarmlet-back-def', ip: '10.0.1.7' },
      ],
      dns: ['10.0.0.3'],
      hostPorts: [
        { target: 80, published: 8080, protocol: 'tcp' },
        { target: 53, published: 0, protocol: 'udp' },
      ],
    });
    expect(opts.HostConfig?.NetworkMode).toBe('swarmlet-default-abc');
    // Only the first network at create time (API 1.41); the others are connected before start.
    expect(opts.NetworkingConfig).toEqual({
      EndpointsConfig: { 'swarmlet-default-abc': { IPAMConfig: { IPv4Address: '10.0.0.5' } } },
    });
    expect(opts.HostConfig?.Dns).toEqual(['10.0.0.3']);
    // Options of our own, so a node resolv.conf with `ndots` does not stop the forwarding.
    expect(opts.HostConfig?.DnsOptions).toEqual(['attempts:2']);
    expect(opts.ExposedPorts).toEqual({ '80/tcp': {}, '53/udp': {} });
    expect(opts.HostConfig?.PortBindings).toEqual({
      '80/tcp': [{ HostPort: '8080' }],
      '53/udp': [{ HostPort: '' }],
    });
    // Without endpoints (no data plane): the engine's default bridge, as before.
    expect(createOptions(task, 'n1').HostConfig).not.toHaveProperty('NetworkMode');
  });

  it('maps command to Entrypoint and args to Cmd', () => {
    const t = makeTestTask({
      id: 't2',
      nodeId: 'n1',
      container: { command: ['sh', '-c'], args: ['true'] },
    });
    expect(createOptions(t, 'n1')).toMatchObject({ Entrypoint: ['sh', '-c'], Cmd: ['true'] });
  });

  it("lets the executor's labels win over the spec's", () => {
    const t = makeTestTask({
      id: 't3',
      nodeId: 'n1',
      container: { labels: { 'io.swarmlet.task.id': 'x', a: 'b' } },
    });
    expect(createOptions(t, 'n1').Labels).toMatchObject({ 'io.swarmlet.task.id': 't3', a: 'b' });
  });
});

describe('taskEnv', () => {
  it('appends the SWARMLET_* variables after the spec env', () => {
    const t = makeTestTask({
      id: 't4',
      nodeId: 'n1',
      serviceId: 's1',
      container: { env: ['A=1'] },
    });
    expect(taskEnv(t, 'n9')).toEqual([
      'A=1',
      'SWARMLET_TASK_ID=t4',
      'SWARMLET_TASK_SLOT=1',
      'SWARMLET_SERVICE_ID=s1',
      'SWARMLET_SERVICE_NAME=contract',
      'SWARMLET_NODE_ID=n9',
    ]);
  });
});

describe('stopTimeoutSeconds', () => {
  it('rounds the grace period up to whole seconds', () => {
    expect([0, 1, 999, 1000, 1001, 10_000].map(stopTimeoutSeconds)).toEqual([0, 1, 1, 1, 2, 10]);
  });
});
