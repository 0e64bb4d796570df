import { describe, expect, it } from 'vitest';
import { DataPlaneError, execShell, inNamedNetns, inNetns } from './shell.js';
import { RecordingShell } from './testing.js';

describe('execShell', () => {
  const sh = execShell({ timeoutMs: 2000 });

  it('returns stdout and feeds input to stdin', async () => {
    await expect(sh.run('cat', [], { input: 'a b\n' })).resolves.toBe('a b\n');
    await expect(sh.run('echo', ['$HOME;', 'x'])).resolves.toBe('$HOME; x\n');
  });

  it('rejects with COMMAND_FAILED carrying the command, exit status and stderr', async () => {
    const err = await sh.run('sh', ['-c', 'echo oops >&2; exit 3']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataPlaneError);
    const e = err as DataPlaneError;
    expect(e.code).toBe('COMMAND_FAILED');
    expect(e.message).toContain('sh -c echo oops >&2; exit 3');
    expect(e.message).toContain('oops');
    expect(e.failure).toMatchObject({ exitCode: 3, stderr: 'oops\n' });
  });

  it('rejects a missing binary and a timeout', async () => {
    await expect(sh.run('/nonexistent/binary', [])).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
    });
    const quick = execShell({ timeoutMs: 100 });
    await expect(quick.run('sleep', ['5'])).rejects.toThrow(/timed out after 100 ms/);
  });
});

describe('inNetns and inNamedNetns', () => {
  it('prefix every command with nsenter', async () => {
    const rec = new RecordingShell();
    await inNetns(rec, 1234).run('ip', ['link'], { input: 'x' });
    await inNamedNetns(rec, 'swlt-ab12').run('iptables', ['-S']);
    expect(rec.lines()).toEqual([
      'nsenter -t 1234 -n -- ip link',
      'nsenter --net=/var/run/netns/swlt-ab12 -- iptables -S',
    ]);
    expect(rec.calls[0]?.input).toBe('x');
  });

  it('reject bad pids and names', () => {
    const rec = new RecordingShell();
    expect(() => inNetns(rec, 0)).toThrow(DataPlaneError);
    expect(() => inNamedNetns(rec, '../etc')).toThrow(DataPlaneError);
  });
});
