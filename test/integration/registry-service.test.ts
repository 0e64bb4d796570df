import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess } from './helpers/daemon.js';
import { dockerClient, removeContainersByLabel, waitUntil } from './helpers/docker.js';
import { pushTestImage, startRegistry, type TestRegistry } from './helpers/registry.js';

/**
 * Registry credentials end to end on a real daemon: an image on a password-protected registry
 * (Debian's docker-registry on loopback) is REJECTED with the registry's error without
 * credentials; after `swarmlet registry login` the same image pulls and runs.
 */

const USER = { user: 'swarmlet', password: `pw-${Date.now()}` };
let docker: Docker;
let registry: TestRegistry | undefined;
let d: DaemonProcess;
let nodeId = '';
let image = '';

beforeAll(async () => {
  docker = await dockerClient();
  registry = await startRegistry({ auth: USER });
  image = await pushTestImage(registry.addr, `regsvc${Date.now()}`, USER);
  d = await DaemonProcess.create('swarmlet-reg-', ['--no-data-plane']);
  const init = await d.cli(['init']);
  expect(init.code, init.stderr).toBe(0);
  nodeId = (await d.client.info()).nodeId;
});

afterAll(async () => {
  await d?.cli(['leave', '--force']);
  await d?.dispose();
  if (nodeId) await removeContainersByLabel(docker, 'io.swarmlet.node.id', nodeId);
  await docker
    ?.getImage(image)
    .remove({ force: true })
    .catch(() => undefined);
  await registry?.stop();
});

describe('registry credentials (real daemon, real registry)', () => {
  it('without credentials the task is REJECTED with the registry error', async () => {
    const r = await d.cli(['service', 'create', '-d', '--name', 'noauth', image, 'sleep', '3600']);
    expect(r.code, r.stderr).toBe(0);
    const task = await waitUntil(
      async () =>
        (await d.client.listTasks({ service: 'noauth' })).find(
          (t) => t.status.state === 'rejected',
        ),
      { timeoutMs: 30_000, message: 'a rejected task' },
    );
    expect(task.status.err).toMatch(/no basic auth credentials|unauthorized/);
    const ps = await d.cli(['service', 'ps', 'noauth']);
    expect(ps.stdout).toMatch(/Rejected/);
    await d.client.removeService('noauth');
  });

  it('after registry login the image pulls and the task runs; the password is never shown', async () => {
    const login = await d.cliWithInput(
      ['registry', 'login', '-u', USER.user, '--password-stdin', registry!.addr],
      `${USER.password}\n`,
    );
    expect(login.code, login.stderr).toBe(0);
    const ls = await d.cli(['registry', 'ls']);
    expect(ls.stdout).toContain(registry!.addr);
    expect(ls.stdout).not.toContain(USER.password);
    const r = await d.cli(['service', 'create', '--name', 'withauth', image, 'sleep', '3600']);
    expect(r.code, r.stderr).toBe(0);
    const running = await d.client.listTasks({ service: 'withauth' });
    expect(running.some((t) => t.status.state === 'running')).toBe(true);
    expect(await d.log()).not.toContain(USER.password);
  });
});
