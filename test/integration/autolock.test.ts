import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess } from './helpers/daemon.js';
import { dockerClient, removeContainersByLabel, removeOverlays } from './helpers/docker.js';

/**
 * Autolock on a real daemon: `init --autolock` prints an unlock key once; the manager's data key
 * is then wrapped with it, so after a restart the manager serves nothing until `swarmlet
 * unlock` gives the key; a wrong key is refused; `unlock-key --rotate` and
 * `update --autolock=false` rewrap the key.
 */

let d: DaemonProcess;
let nodeId = '';

const keyIn = (text: string): string => /SWLKEY-1-[A-Za-z0-9_-]+/.exec(text)?.[0] ?? '';
const dek = async (): Promise<{ locked: boolean }> =>
  JSON.parse(await readFile(join(d.dataDir, 'keys', 'dek.json'), 'utf8')) as { locked: boolean };

async function waitFor(cond: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  d = await DaemonProcess.create('swarmlet-lock-', ['--no-data-plane']);
});

afterAll(async () => {
  await d?.dispose();
  const docker = await dockerClient();
  if (nodeId) await removeContainersByLabel(docker, 'io.swarmlet.node.id', nodeId);
  await removeOverlays(docker, '10.235.');
});

describe('autolock (real daemon)', () => {
  let key = '';

  it('init --autolock prints the unlock key once and wraps the data key', async () => {
    const r = await d.cli(['init', '--autolock', '--default-addr-pool', '10.235.0.0/16']);
    expect(r.code, r.stderr).toBe(0);
    key = keyIn(r.stdout);
    expect(key).not.toBe('');
    expect(r.stdout).toContain('swarmlet unlock');
    nodeId = (await d.client.info()).nodeId;
    await waitFor(async () => (await dek()).locked, 'the data key to be wrapped');
    expect(JSON.stringify(await dek())).not.toContain(key);
    const ok = await d.cliWithInput(['secret', 'create', 'kept', '-'], 'value');
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('a restarted manager is locked: it serves nothing until unlocked with the right key', async () => {
    await d.restart('SIGTERM');
    expect((await d.client.info()).state).toBe('locked');
    const ls = await d.cli(['secret', 'ls']);
    expect(ls.code).toBe(1);
    expect(ls.stderr).toContain('this manager is locked');
    const wrong = await d.cliWithInput(['unlock'], 'SWLKEY-1-' + 'A'.repeat(43) + '\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('the unlock key is not the right one');
    expect((await d.client.info()).state).toBe('locked');
    const right = await d.cliWithInput(['unlock'], `${key}\n`);
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toContain('Manager unlocked.');
    expect((await d.client.info()).state).toBe('active');
    const names = await d.cli(['secret', 'ls', '--format', 'json']);
    expect(names.stdout).toContain('"kept"');
  });

  it('unlock-key --rotate: the old key no longer unlocks, the new one does', async () => {
    const r = await d.cli(['unlock-key', '--rotate', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const next = r.stdout.trim();
    expect(next).not.toBe(key);
    expect((await d.cli(['unlock-key', '-q'])).stdout.trim()).toBe(next);
    // Rewrapped with the new key before the restart.
    await new Promise((res) => setTimeout(res, 500));
    await d.restart('SIGTERM');
    expect((await d.cliWithInput(['unlock'], `${key}\n`)).code).toBe(1);
    expect((await d.cliWithInput(['unlock'], `${next}\n`)).code).toBe(0);
    key = next;
  });

  it('update --autolock=false: the next restart needs no key', async () => {
    const r = await d.cli(['update', '--autolock=false']);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(async () => !(await dek()).locked, 'the data key to be unwrapped');
    await d.restart('SIGTERM');
    expect((await d.client.info()).state).toBe('active');
    expect((await d.cli(['unlock-key'])).stderr).toContain('autolock is off');
    const u = await d.cliWithInput(['unlock'], `${key}\n`);
    expect(u.stderr).toContain('not locked');
  });
});
