import { describe, expect, it } from 'vitest';
import { serviceView } from '../testing/fixtures.js';
import { applyUpdateFlags, updateEnv } from './update-flags.js';

describe('updateEnv', () => {
  it('replaces variables of the same name, appends new ones, removes by name', () => {
    expect(updateEnv(['A=1', 'B=2', 'C=3'], ['B=20', 'D=4'], ['C'])).toEqual([
      'A=1',
      'B=20',
      'D=4',
    ]);
  });
});

describe('applyUpdateFlags', () => {
  const spec = serviceView('web', 2, 2).spec;

  it('changes only what the flags name, without touching the input', () => {
    const next = applyUpdateFlags(spec, {
      replicas: '5',
      image: 'nginx:2',
      envAdd: ['A=1'],
      envRm: [],
      force: true,
    });
    expect(next.replicas).toBe(5);
    expect(next.task.container.image).toBe('nginx:2');
    expect(next.task.container.env).toEqual(['A=1']);
    expect(next.task.forceUpdate).toBe(1);
    expect(spec.replicas).toBe(2);
    expect(applyUpdateFlags(spec, { envAdd: [], envRm: [] })).toEqual(spec);
  });

  it('rejects bad values', () => {
    expect(() => applyUpdateFlags(spec, { replicas: 'x', envAdd: [], envRm: [] })).toThrow(
      '"--replicas"',
    );
    expect(() => applyUpdateFlags(spec, { envAdd: ['=1'], envRm: [] })).toThrow('"--env-add"');
  });
});

describe('applyUpdateFlags: the rest of docker service update', () => {
  const base = serviceView('web', 2, 2).spec;
  const spec = {
    ...base,
    labels: { keep: '1', drop: '2' },
    networks: ['net-a', 'net-b'],
    ports: [
      { target: 80, published: 8080 },
      { target: 53, protocol: 'udp' as const },
    ],
    task: { ...base.task, placement: { constraints: ['node.role==worker'] } },
    updateConfig: {
      parallelism: 1,
      delayMs: 0,
      order: 'stop-first' as const,
      failureAction: 'pause' as const,
      monitorMs: 5000,
      maxFailureRatio: 0,
    },
  };

  it('updates command, labels, resources, ports, networks, placement and restart policy', () => {
    const next = applyUpdateFlags(
      spec,
      {
        args: 'sh -c "echo hi"',
        entrypoint: '/bin/init',
        labelAdd: ['new=3'],
        labelRm: ['drop'],
        containerLabelAdd: ['c=1'],
        limitMemory: '64M',
        reserveCpu: '0.5',
        publishAdd: ['9090:90'],
        publishRm: ['53/udp'],
        networkAdd: ['net-c'],
        networkRm: ['b-name'],
        constraintAdd: ['node.labels.zone==a'],
        constraintRm: ['node.role == worker'],
        placementPrefAdd: ['spread=node.labels.zone'],
        replicasMaxPerNode: '2',
        restartCondition: 'on-failure',
        restartDelay: '2s',
        stopGracePeriod: '3s',
      },
      [{ id: 'net-b', name: 'b-name' }],
    );
    const c = next.task.container;
    expect([c.args, c.command]).toEqual([['sh', '-c', 'echo hi'], ['/bin/init']]);
    expect(next.labels).toEqual({ keep: '1', new: '3' });
    expect(c.labels).toEqual({ c: '1' });
    expect(next.task.resources.limits.memoryBytes).toBe(64 * 1024 * 1024);
    expect(next.task.resources.reservations.nanoCpus).toBe(5e8);
    expect(next.ports).toEqual([
      { target: 80, published: 8080 },
      { target: 90, published: 9090 },
    ]);
    expect(next.networks).toEqual(['net-a', 'net-c']);
    expect(next.task.placement).toEqual({
      constraints: ['node.labels.zone==a'],
      preferences: [{ spread: 'node.labels.zone' }],
      maxReplicasPerNode: 2,
    });
    expect(next.task.restartPolicy).toMatchObject({ condition: 'on-failure', delayMs: 2000 });
    expect(c.stopGracePeriodMs).toBe(3000);
  });

  it('merges --update-* and --rollback-* into the stored configs', () => {
    const next = applyUpdateFlags(spec, {
      updateParallelism: '3',
      updateOrder: 'start-first',
      updateFailureAction: 'rollback',
      updateMonitor: '10s',
      updateMaxFailureRatio: '0.2',
      rollbackDelay: '1s',
    });
    expect(next.updateConfig).toEqual({
      parallelism: 3,
      delayMs: 0,
      order: 'start-first',
      failureAction: 'rollback',
      monitorMs: 10_000,
      maxFailureRatio: 0.2,
    });
    expect(next.rollbackConfig).toEqual({ delayMs: 1000 });
  });

  it.each([
    [{ updateOrder: 'random' }, /--update-order/],
    [{ updateMaxFailureRatio: '2' }, /between 0 and 1/],
    [{ rollbackFailureAction: 'rollback' }, /--rollback-failure-action/],
    [{ publishRm: ['eighty'] }, /--publish-rm/],
    [{ networkRm: ['nope'] }, /not attached/],
    [{ placementPrefAdd: ['pack=x'] }, /spread=/],
  ])('refuses bad values: %o', (flags, message) => {
    expect(() => applyUpdateFlags(spec, flags)).toThrow(message);
  });
});
