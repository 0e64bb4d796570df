import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterEvent } from '@swarmlet/api-types';
import { runCli, startDaemon, type TestDaemon } from '../testing/harness.js';
import { formatEvent, parseEventFilters, resolveEventTime } from './events.js';

const NOW = new Date('2026-11-21T12:30:00.000Z');

describe('events flags and output (pure)', () => {
  it('parses repeated filters by key and refuses unknown keys or empty values', () => {
    expect(parseEventFilters(['type=service', 'type=node', 'name=web', 'event=update'])).toEqual({
      type: ['service', 'node'],
      name: ['web'],
      event: ['update'],
    });
    expect(() => parseEventFilters(['colour=red'])).toThrow(/invalid filter 'colour=red'/);
    expect(() => parseEventFilters(['name='])).toThrow(/invalid filter/);
  });

  it('resolves durations back from now, RFC 3339 and unix seconds', () => {
    expect(resolveEventTime('--since', '10m', NOW)).toBe('2026-11-21T12:20:00.000Z');
    expect(resolveEventTime('--since', '1h30m', NOW)).toBe('2026-11-21T11:00:00.000Z');
    expect(resolveEventTime('--since', '2026-11-21T13:00:00+01:00', NOW)).toBe(
      '2026-11-21T12:00:00.000Z',
    );
    expect(resolveEventTime('--until', '1700000000.5', NOW)).toBe('2023-11-14T22:13:20.500Z');
    expect(() => resolveEventTime('--since', 'yesterday', NOW)).toThrow(
      /invalid argument "yesterday" for "--since"/,
    );
    expect(() => resolveEventTime('--since', '5x', NOW)).toThrow(/unknown unit/);
  });

  it('prints an event as docker does: nanosecond time, type, action, id, sorted attributes', () => {
    const ev: ClusterEvent = {
      id: '7-0',
      time: '2026-11-21T12:00:00.123Z',
      type: 'service',
      action: 'update',
      actor: {
        id: 'abc123',
        attributes: { 'replicas.old': '1', name: 'web', 'replicas.new': '3' },
      },
      scope: 'swarm',
    };
    expect(formatEvent(ev)).toBe(
      '2026-11-21T12:00:00.123000000Z service update abc123 (name=web, replicas.new=3, replicas.old=1)',
    );
    expect(formatEvent({ ...ev, actor: { id: 'n1', attributes: {} } })).toBe(
      '2026-11-21T12:00:00.123000000Z service update n1',
    );
  });
});

describe('swarmlet events against the fake daemon', () => {
  let d: TestDaemon;
  // The fake's clock stands at its last event (12:00:04): an `until` there ends the stream.
  const range = ['--since', '2026-11-21T12:00:00Z', '--until', '2026-11-21T12:00:04Z'];

  beforeEach(async () => {
    d = await startDaemon({ autoAdvance: false });
    d.fake.eventSource.emit('service', 'create', 'svc1', { name: 'web' });
    d.fake.eventSource.emit('node', 'update', 'node1', {
      name: 'h1',
      'availability.old': 'active',
      'availability.new': 'drain',
    });
    d.fake.eventSource.emit('task', 'update', 'task1', { name: 'web.1', 'service.name': 'web' });
    d.fake.eventSource.emit('service', 'remove', 'svc1', { name: 'web' });
  });
  afterEach(async () => d.close());

  it('prints retained events in order, one line each', async () => {
    const r = await runCli(d.socket, ['events', ...range]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      '2026-11-21T12:00:01.000000000Z service create svc1 (name=web)',
      '2026-11-21T12:00:02.000000000Z node update node1 (availability.new=drain, availability.old=active, name=h1)',
      '2026-11-21T12:00:03.000000000Z task update task1 (name=web.1, service.name=web)',
      '2026-11-21T12:00:04.000000000Z service remove svc1 (name=web)',
    ]);
  });

  it('--filter type=service shows only services; name= also matches the tasks of a service', async () => {
    const types = async (...filters: string[]) => {
      const r = await runCli(d.socket, ['events', ...range, ...filters]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').slice(1, 3).join(' '));
    };
    expect(await types('--filter', 'type=service')).toEqual(['service create', 'service remove']);
    expect(await types('-f', 'name=web', '-f', 'event=update')).toEqual(['task update']);
    expect(await types('-f', 'type=node', '-f', 'type=task')).toEqual([
      'node update',
      'task update',
    ]);
  });

  it('--format json prints one event object per line', async () => {
    const r = await runCli(d.socket, ['events', ...range, '--format', 'json', '-f', 'type=node']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.map((l) => JSON.parse(l) as ClusterEvent)).toEqual([
      d.fake.eventSource.emitted[1],
    ]);
  });

  it('a notice from the daemon goes to stderr as a warning; stdout keeps only events', async () => {
    d.fake.eventSource.notice = 'events before 2026-11-21T12:00:02.000Z are not available';
    const r = await runCli(d.socket, ['events', ...range, '-f', 'type=node']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('WARNING: events before 2026-11-21T12:00:02.000Z are not available\n');
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('bad filters: an unknown key is a usage error, an unknown type the daemon refuses', async () => {
    const usage = await runCli(d.socket, ['events', '-f', 'colour=red']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("swarmlet: invalid filter 'colour=red'");
    const refused = await runCli(d.socket, ['events', '-f', 'type=container']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Error: invalid filter 'type=container'");
  });

  it('follows live events until Ctrl-C, then exits 0', async () => {
    const ac = new AbortController();
    const running = runCli(d.socket, ['events', '-f', 'type=service'], { signal: ac.signal });
    for (let i = 0; i < 200 && d.fake.eventSource.readers === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await d.fake.createService({ name: 'api', task: { container: { image: 'busybox' } } });
    await d.fake.scaleService('api', 3);
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual([
      'service create',
      'service update',
    ]);
    expect(lines[1]).toContain('(name=api, replicas.new=3, replicas.old=1)');
  });
});
