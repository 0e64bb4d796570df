import type { ServiceView } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { node, serviceView, T0, task } from '../testing/fixtures.js';
import { formatInfo, formatNodePretty, formatNodeTable, managerStatus } from './nodes.js';
import { formatServicePretty, formatServiceTable, portsColumn } from './services.js';
import { formatTaskTable, sortTasks } from './tasks.js';

describe('formatServiceTable', () => {
  it('shows truncated ids, running/desired and images without digest, sorted by name', () => {
    const out = formatServiceTable([serviceView('web', 3, 2), serviceView('api', 1, 1)]);
    expect(out).toBe(
      [
        'ID             NAME      MODE         REPLICAS   IMAGE        PORTS',
        'api012345678   api       replicated   1/1        nginx:1.27',
        'web012345678   web       replicated   2/3        nginx:1.27',
        '',
      ].join('\n'),
    );
  });

  it('adds the update state once a service was updated, and job completions', () => {
    const web = {
      ...serviceView('web', 3, 3),
      updateStatus: { state: 'paused' as const, startedAt: T0, message: 'update paused' },
    };
    const job = {
      ...serviceView('batch', 5, 2),
      spec: { ...serviceView('batch', 5, 2).spec, mode: 'replicated-job' as const },
      serviceStatus: {
        runningTasks: 2,
        desiredTasks: 5,
        completedTasks: 3,
        jobState: 'running' as const,
      },
    };
    const failed: ServiceView = {
      ...job,
      id: 'bad0123456789',
      spec: { ...job.spec, name: 'bad' },
      serviceStatus: { ...job.serviceStatus, runningTasks: 0, jobState: 'failed' },
    };
    expect(formatServiceTable([web, job, failed]).split('\n')).toEqual([
      'ID             NAME      MODE             REPLICAS                      IMAGE        PORTS     UPDATE',
      'bad012345678   bad       replicated-job   0/5 (failed, 3/5 completed)   nginx:1.27',
      'batch0123456   batch     replicated-job   2/5 (3/5 completed)           nginx:1.27',
      'web012345678   web       replicated       3/3                           nginx:1.27             paused',
      '',
    ]);
  });
});

describe('portsColumn', () => {
  it('shows ingress and host ports as docker does', () => {
    const s = {
      ...serviceView('web', 1, 1),
      endpoint: {
        vips: [],
        ports: [
          { target: 80, published: 8080, protocol: 'tcp' as const, mode: 'ingress' as const },
          { target: 53, published: 30000, protocol: 'udp' as const, mode: 'ingress' as const },
          { target: 90, published: 0, protocol: 'tcp' as const, mode: 'host' as const },
        ],
      },
    };
    expect(portsColumn(s)).toBe('*:8080->80/tcp, *:30000->53/udp, *:->90/tcp (host)');
  });
});

describe('formatTaskTable', () => {
  const now = new Date('2026-01-01T00:02:00.000Z');
  const tasks = [
    task('old1aaaaaaaaaaaa', 1, 'failed', { desired: 'shutdown', err: 'task: non-zero exit (1)' }),
    task('new1aaaaaaaaaaaa', 1, 'running', { createdAt: '2026-01-01T00:01:00.000Z' }),
    task('new2aaaaaaaaaaaa', 2, 'pending', { createdAt: '2026-01-01T00:01:59.500Z' }),
  ];

  it('lists the newest task of a slot first and its history with \\_', () => {
    const out = formatTaskTable(tasks, [node('node1', 'host-1', true)], { noTrunc: false, now });
    expect(out.split('\n')).toEqual([
      'ID             NAME        IMAGE        NODE      DESIRED STATE   CURRENT STATE                    ERROR',
      'new1aaaaaaaa   web.1       nginx:1.27   host-1    Running         Running about a minute ago',
      'old1aaaaaaaa    \\_ web.1   nginx:1.27   host-1    Shutdown        Failed 2 minutes ago             "task: non-zero exit (1)"',
      'new2aaaaaaaa   web.2       nginx:1.27   host-1    Running         Pending less than a second ago',
      '',
    ]);
  });

  it('keeps full ids, digests and errors with --no-trunc, and node ids without a node', () => {
    const out = formatTaskTable(tasks, [], { noTrunc: true, now });
    expect(out).toContain('old1aaaaaaaaaaaa');
    expect(out).toContain('nginx:1.27@sha256:abc');
    expect(out).toContain('node1');
  });

  it('sorts by service, slot, then newest first', () => {
    expect(sortTasks(tasks).map((t) => t.id)).toEqual([
      'new1aaaaaaaaaaaa',
      'old1aaaaaaaaaaaa',
      'new2aaaaaaaaaaaa',
    ]);
  });
});

describe('node formatting', () => {
  it('marks the current node with * and shows manager status', () => {
    const out = formatNodeTable([node('bbb', 'worker-1'), node('aaa', 'manager-1', true)], 'aaa');
    expect(out.split('\n')).toEqual([
      'ID        HOSTNAME    STATUS    AVAILABILITY   MANAGER STATUS   ENGINE VERSION',
      'aaa *     manager-1   Ready     Active         Leader           27.0.3',
      'bbb       worker-1    Ready     Active                          27.0.3',
      '',
    ]);
  });

  it('maps manager status like docker', () => {
    expect(managerStatus(node('a', 'h'))).toBe('');
    expect(managerStatus(node('a', 'h', false))).toBe('Reachable');
    const lost = node('a', 'h', false);
    lost.managerStatus = { leader: false, reachability: 'unreachable', addr: '10.0.0.3:4242' };
    expect(managerStatus(lost)).toBe('Unreachable');
    expect(formatNodeTable([lost], '')).toContain('   Unreachable   ');
  });

  it('renders node inspect --pretty', () => {
    const out = formatNodePretty(node('aaa', 'manager-1', true));
    expect(out).toContain('Hostname:             manager-1');
    expect(out).toContain(' Leader:              Yes');
    expect(out).toContain(' Memory:              2GiB');
  });
});

describe('formatInfo', () => {
  const info = {
    version: '0.1.0',
    nodeId: 'n1',
    clusterId: 'c1',
    state: 'active' as const,
    role: 'manager',
    managers: 1,
    nodes: 2,
    services: 3,
    tasks: { running: 4, total: 5 },
    engine: { version: '27.0.3', apiVersion: '1.46' },
    dataDir: '/var/lib/swarmlet',
  };

  const now = new Date('2026-01-01T00:00:00.000Z');

  it('shows the cluster section when active', () => {
    const out = formatInfo(info, 'unix:///var/run/swarmlet.sock', now);
    expect(out).toContain(' Swarm: active\n  NodeID: n1\n  Is Manager: true\n  ClusterID: c1\n');
    expect(out).toContain('  Tasks: 4 running / 5 total\n Engine Version');
    expect(out).not.toMatch(/Leader|Address|Certificate/);
  });

  it('shows leadership, addresses and certificate expiry when the daemon reports them', () => {
    const out = formatInfo(
      {
        ...info,
        addr: '10.0.0.1:4242',
        leader: 'n2',
        isLeader: false,
        managerAddrs: ['10.0.0.2:4242', '10.0.0.1:4242'],
        certExpiresAt: '2026-03-31T00:00:00.000Z',
      },
      'x',
      now,
    );
    expect(out).toContain('  Is Manager: true\n  Is Leader: false\n  Leader: n2\n');
    expect(out).toContain(
      '  Node Address: 10.0.0.1:4242\n' +
        '  Manager Addresses:\n   10.0.0.2:4242\n   10.0.0.1:4242\n' +
        '  Certificate Expires: 2026-03-31T00:00:00.000Z (in 2 months)\n',
    );
    const past = formatInfo({ ...info, certExpiresAt: '2025-12-31T00:00:00.000Z' }, 'x', now);
    expect(past).toContain('(expired)');
    expect(formatInfo({ ...info, leader: '' }, 'x', now)).toContain('  Leader: (none: election)\n');
  });

  it('hides it when inactive', () => {
    expect(formatInfo({ ...info, state: 'inactive' }, 'x', now)).not.toContain('NodeID');
  });
});

describe('formatServicePretty', () => {
  it('lays out the spec with limits and env', () => {
    const s = serviceView('web', 3, 3);
    s.spec.task.container.env = ['A=1'];
    s.spec.task.resources.limits = { nanoCpus: 5e8, memoryBytes: 64 * 1024 ** 2 };
    const out = formatServicePretty(s);
    expect(out).toContain('Name:           web\n');
    expect(out).toContain(' Replicas:      3\n');
    expect(out).toContain(' Env:\n  A=1\n');
    expect(out).toContain('  CPU:          0.5\n  Memory:       64MiB\n');
    expect(out).toContain(' StopGracePeriod: 10s');
    expect(T0).toBeDefined();
  });
});
