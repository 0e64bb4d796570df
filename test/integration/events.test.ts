import { spawn, type ChildProcess } from 'node:child_process';
import type Docker from 'dockerode';
import type { ClusterEvent, EventStreamItem } from '@swarmlet/api-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, DaemonProcess } from './helpers/daemon.js';
import {
  TEST_IMAGE,
  dockerClient,
  removeContainersByLabel,
  removeOverlays,
  requireImage,
  waitUntil,
} from './helpers/docker.js';

/**
 * `swarmlet events` on a real single-node daemon: a client stream and a CLI process follow the
 * cluster while a service is created, scaled and removed; then a replay with --since/--until.
 */

const NODE_LABEL = 'io.swarmlet.node.id';
const POOL = '10.238.0.0/16';
const SERVICE = 'evtweb';

let docker: Docker;
let d: DaemonProcess;
let nodeId = '';
let cli: ChildProcess | undefined;
const ac = new AbortController();

beforeAll(async () => {
  docker = await dockerClient();
  await requireImage(docker, TEST_IMAGE);
  d = await DaemonProcess.create('swarmlet-events-');
  const init = await d.cli(['init', '--heartbeat-period', '1s', '--default-addr-pool', POOL]);
  expect(init.code, init.stderr).toBe(0);
  nodeId = (await d.client.info()).nodeId;
});

afterAll(async () => {
  ac.abort();
  if (cli && cli.exitCode === null) cli.kill('SIGKILL');
  await d?.cli(['service', 'rm', SERVICE]);
  await d?.cli(['leave', '--force']);
  await d?.dispose();
  if (nodeId) await removeContainersByLabel(docker, NODE_LABEL, nodeId);
  if (docker) await removeOverlays(docker, '10.238.');
});

const line = (e: ClusterEvent): string => `${e.type} ${e.action} ${e.actor.attributes['name']}`;

describe('swarmlet events on a real daemon', () => {
  let started = '';
  const seen: ClusterEvent[] = [];
  let cliOut = '';

  it('streams service create, scale and remove with their task events, in order', async () => {
    started = new Date().toISOString();
    const stream = await d.client.events({}, ac.signal);
    const reading = (async () => {
      for await (const item of stream as AsyncIterable<EventStreamItem>) {
        if (item.kind === 'event') seen.push(item.event);
      }
    })();
    cli = spawn(
      process.execPath,
      [CLI_BIN, '--socket', d.socket, 'events', '--filter', 'type=service', '--format', 'json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cli.stdout!.on('data', (c: Buffer) => (cliOut += c.toString()));
    // Both streams are open once a marker event reaches them.
    await d.client.createNetwork({ name: 'evt-marker' });
    await waitUntil(async () => (seen.some((e) => e.type === 'network') ? true : undefined), {
      message: 'the streams to open',
    });

    const create = await d.cli([
      'service',
      'create',
      '-d',
      '--name',
      SERVICE,
      TEST_IMAGE,
      'sleep',
      '3600',
    ]);
    expect(create.code, create.stderr).toBe(0);
    const running = (n: number) => async () =>
      seen.filter((e) => e.type === 'task' && e.actor.attributes['state.new'] === 'running')
        .length >= n
        ? true
        : undefined;
    await waitUntil(running(1), { message: 'task 1 running', timeoutMs: 60_000 });
    const scale = await d.cli(['service', 'scale', '-d', `${SERVICE}=2`]);
    expect(scale.code, scale.stderr).toBe(0);
    await waitUntil(running(2), { message: 'task 2 running', timeoutMs: 60_000 });
    const rm = await d.cli(['service', 'rm', SERVICE]);
    expect(rm.code, rm.stderr).toBe(0);
    await waitUntil(
      async () =>
        seen.some((e) => e.type === 'service' && e.action === 'remove') ? true : undefined,
      { message: 'the remove event' },
    );
    await waitUntil(async () => (cliOut.includes('"action":"remove"') ? true : undefined), {
      message: 'the CLI to print the remove',
    });

    const ids = seen.map((e) => e.id.split('-').map(Number) as [number, number]);
    const sorted = [...ids].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(ids).toEqual(sorted);
    const lines = seen.map(line);
    const at = (pred: (e: ClusterEvent) => boolean): number => seen.findIndex(pred);
    const svcCreate = at((e) => e.type === 'service' && e.action === 'create');
    const svcScale = at((e) => e.type === 'service' && e.actor.attributes['replicas.new'] === '2');
    const svcRemove = at((e) => e.type === 'service' && e.action === 'remove');
    const task1 = at((e) => e.type === 'task' && e.action === 'create');
    const task2 = at(
      (e) =>
        e.type === 'task' && e.action === 'create' && e.actor.attributes['name'] === `${SERVICE}.2`,
    );
    expect(
      [svcCreate, task1, svcScale, task2, svcRemove].every((i) => i >= 0),
      lines.join('\n'),
    ).toBe(true);
    expect(svcCreate).toBeLessThan(task1);
    expect(task1).toBeLessThan(svcScale);
    expect(svcScale).toBeLessThan(task2);
    expect(task2).toBeLessThan(svcRemove);
    expect(seen[svcScale]?.actor.attributes['replicas.old']).toBe('1');
    expect(seen[task1]?.actor.attributes['name']).toBe(`${SERVICE}.1`);
    // Tasks walk forward through their states; the removal shuts them down.
    expect(lines).toContain(`task update ${SERVICE}.1`);
    await waitUntil(
      () =>
        seen.filter((e) => e.type === 'task' && e.actor.attributes['desiredstate.new'] === 'remove')
          .length >= 2,
      { message: 'both tasks to be marked for removal' },
    );
    const marked = at(
      (e) => e.type === 'task' && e.actor.attributes['desiredstate.new'] === 'remove',
    );
    expect(marked).toBeGreaterThan(svcRemove);

    // The CLI with --filter type=service printed only service events, in the same order.
    const printed = cliOut
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ClusterEvent);
    expect(printed.every((e) => e.type === 'service')).toBe(true);
    expect(printed.map((e) => e.id)).toEqual(
      seen.filter((e) => e.type === 'service').map((e) => e.id),
    );
    cli.kill('SIGINT');
    ac.abort();
    await reading;
  }, 180_000);

  it('replays retained events with --since/--until and warns about what is older than the log', async () => {
    const until = new Date().toISOString();
    const r = await d.cli([
      'events',
      '--since',
      started,
      '--until',
      until,
      '-f',
      `name=${SERVICE}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.split('\n').filter(Boolean);
    expect(out[0]).toMatch(new RegExp(`^\\S+Z service create \\w+ \\(name=${SERVICE}\\)$`));
    expect(out.some((l) => / task update .*state\.new=running/.test(l))).toBe(true);
    const removed = out.findIndex((l) => / service remove /.test(l));
    expect(removed, out.join('\n')).toBeGreaterThan(0);
    expect(out.slice(removed).some((l) => /task update .*desiredstate\.new=remove/.test(l))).toBe(
      true,
    );
    expect(r.stderr).toBe('');
    const old = await d.cli(['events', '--since', '24h', '--until', until, '-f', 'type=network']);
    expect(old.code, old.stderr).toBe(0);
    expect(old.stderr).toMatch(/^WARNING: events before \S+ are not available/);
    expect(old.stdout).toContain('network create');
  }, 60_000);
});
