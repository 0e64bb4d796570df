import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startDaemon, type TestDaemon } from '../testing/harness.js';

describe('swarmlet volume', () => {
  let daemon: TestDaemon;
  const cli = (...args: string[]) => runCli(daemon.socket, args);
  const vol = (nodeName: string, name: string, inUse = false) => ({
    nodeId: `id-${nodeName}`,
    nodeName,
    name,
    driver: 'local',
    labels: {},
    inUse,
  });

  beforeEach(async () => {
    daemon = await startDaemon();
    daemon.fake.logBook.volumes.push(
      vol('host-1', 'data'),
      vol('host-1', 'db', true),
      vol('host-2', 'data'),
    );
    daemon.fake.logBook.volumeNotices.push({
      nodeId: 'id-host-3',
      nodeName: 'host-3',
      message: 'node host-3 (id-host-3) is down: its volumes are not shown',
    });
  });
  afterEach(() => daemon.close());

  it('ls prints NODE, DRIVER, VOLUME NAME and a warning per node that did not answer', async () => {
    const res = await cli('volume', 'ls');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(
      'NODE      DRIVER    VOLUME NAME\n' +
        'host-1    local     data\n' +
        'host-1    local     db\n' +
        'host-2    local     data\n',
    );
    expect(res.stderr).toBe(
      'Warning: node host-3 (id-host-3) is down: its volumes are not shown\n',
    );
    const q = await cli('volume', 'ls', '-q');
    expect(q.stdout).toBe('data\ndb\n');
  });

  it('rm removes from every node that has the volume and prints its name', async () => {
    const res = await cli('volume', 'rm', 'data');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('data\n');
    expect(daemon.fake.logBook.volumes.map((v) => v.name)).toEqual(['db']);
  });

  it('rm of a volume in use fails naming node and volume, and still removes the others', async () => {
    const res = await cli('volume', 'rm', 'db', 'data');
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('data\n');
    expect(res.stderr).toContain('Error: volume db is in use on node host-1');
    expect(daemon.fake.logBook.volumes.map((v) => v.name)).toEqual(['db']);
  });
});
