import { describe, expect, it } from 'vitest';
import { RecordingShell, commandFailure, type RecordedCall } from './testing.js';
import {
  ensureVxlan,
  macForIp,
  parseLinkDetails,
  removeLink,
  setVxlanMacs,
  setVxlanPeers,
  type VxlanSpec,
} from './vxlan.js';
import type { DataPlaneError } from './shell.js';

const SPEC: VxlanSpec = {
  device: 'vx-ov1',
  vni: 4097,
  bridge: 'br-ov1',
  localAddr: '192.168.5.1',
  mtu: 1450,
};

/** `ip -d -j link show` output for a vxlan device. */
function linkJson(over: Record<string, unknown> = {}, data: Record<string, unknown> = {}): string {
  return JSON.stringify([
    {
      ifname: 'vx-ov1',
      flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
      mtu: 1450,
      master: 'br-ov1',
      linkinfo: {
        info_kind: 'vxlan',
        info_data: { id: 4097, local: '192.168.5.1', port: 4789, learning: false, ...data },
      },
      ...over,
    },
  ]);
}

function shellWith(link: string | undefined, fdb = '[]'): RecordingShell {
  return new RecordingShell((c: RecordedCall) => {
    const line = [c.cmd, ...c.args].join(' ');
    if (line.startsWith('ip -d -j link show')) {
      return link ?? commandFailure(line, 'Device "vx-ov1" does not exist.');
    }
    if (line.startsWith('bridge -j fdb show')) return fdb;
    return undefined;
  });
}

const ADD = 'ip link add vx-ov1 type vxlan id 4097 dstport 4789 local 192.168.5.1 nolearning';
const SET = 'ip link set dev vx-ov1 mtu 1450 master br-ov1 up';
const SHOW = 'ip -d -j link show dev vx-ov1';

describe('ensureVxlan', () => {
  it('creates a missing device, then sets mtu, master and up', async () => {
    const sh = shellWith(undefined);
    await ensureVxlan(sh, SPEC);
    expect(sh.lines()).toEqual([SHOW, ADD, SET]);
  });

  it('uses the given port', async () => {
    const sh = shellWith(undefined);
    await ensureVxlan(sh, { ...SPEC, port: 7777 });
    expect(sh.lines()[1]).toBe(
      'ip link add vx-ov1 type vxlan id 4097 dstport 7777 local 192.168.5.1 nolearning',
    );
  });

  it('only reads a device that already matches', async () => {
    const sh = shellWith(linkJson());
    await ensureVxlan(sh, SPEC);
    expect(sh.lines()).toEqual([SHOW]);
  });

  it.each([
    ['mtu', { mtu: 1500 }],
    ['master', { master: 'br-other' }],
    ['no master', { master: undefined }],
    ['down', { flags: ['BROADCAST'] }],
  ])('fixes %s in place', async (_what, over) => {
    const sh = shellWith(linkJson(over));
    await ensureVxlan(sh, SPEC);
    expect(sh.lines()).toEqual([SHOW, SET]);
  });

  it.each([
    ['vni', { id: 4098 }],
    ['local address', { local: '192.168.5.9' }],
    ['port', { port: 8472 }],
    ['learning', { learning: true }],
  ])('recreates a device whose %s differs', async (_what, data) => {
    const sh = shellWith(linkJson({}, data));
    await ensureVxlan(sh, SPEC);
    expect(sh.lines()).toEqual([SHOW, 'ip link del dev vx-ov1', ADD, SET]);
  });

  it('recreates a device of another kind', async () => {
    const sh = shellWith(linkJson({ linkinfo: { info_kind: 'veth' } }));
    await ensureVxlan(sh, SPEC);
    expect(sh.lines()).toEqual([SHOW, 'ip link del dev vx-ov1', ADD, SET]);
  });

  it.each([
    { device: 'this-name-is-too-long' },
    { device: 'vx;rm' },
    { vni: 0 },
    { vni: 0x1000000 },
    { localAddr: '192.168.5.1/24' },
    { mtu: 10 },
    { port: 0 },
  ])('rejects %j before running anything', async (bad) => {
    const sh = shellWith(undefined);
    await expect(ensureVxlan(sh, { ...SPEC, ...bad })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(sh.calls).toEqual([]);
  });

  it('passes other failures of the read through', async () => {
    const sh = new RecordingShell((c) => commandFailure(c.cmd, 'Operation not permitted'));
    await expect(ensureVxlan(sh, SPEC)).rejects.toMatchObject({ code: 'COMMAND_FAILED' });
  });
});

describe('parseLinkDetails', () => {
  it('reads the fields ensureVxlan compares', () => {
    expect(parseLinkDetails(linkJson())).toEqual({
      kind: 'vxlan',
      vni: 4097,
      local: '192.168.5.1',
      port: 4789,
      learning: false,
      mtu: 1450,
      master: 'br-ov1',
      up: true,
    });
  });

  it('returns undefined for an empty list and fails on non-JSON', () => {
    expect(parseLinkDetails('[]')).toBeUndefined();
    expect(() => parseLinkDetails('Device not found')).toThrow(
      expect.objectContaining({ code: 'UNEXPECTED_OUTPUT' }) as DataPlaneError,
    );
  });
});

/** A realistic `bridge -j fdb show dev vx-ov1`: bridge rows, zero entries, static MACs. */
function fdb(zeroDsts: readonly string[], macs: readonly [string, string][] = []): string {
  return JSON.stringify([
    { mac: '6e:d1:7f:a0:4e:6c', flags: [], master: 'br-ov1', state: 'permanent' },
    { mac: '02:42:0a:00:00:63', flags: [], master: 'br-ov1' },
    ...macs.map(([mac, dst]) => ({ mac, dst, flags: ['self'], state: 'permanent' })),
    ...zeroDsts.map((dst) => ({
      mac: '00:00:00:00:00:00',
      dst,
      flags: ['self'],
      state: 'permanent',
    })),
  ]);
}

const FDB_SHOW = 'bridge -j fdb show dev vx-ov1';
const append = (dst: string): string => `bridge fdb append 00:00:00:00:00:00 dev vx-ov1 dst ${dst}`;
const del = (dst: string): string => `bridge fdb del 00:00:00:00:00:00 dev vx-ov1 dst ${dst}`;

describe('setVxlanPeers', () => {
  it('adds every peer to an empty table', async () => {
    const sh = shellWith(undefined, fdb([]));
    await setVxlanPeers(sh, 'vx-ov1', ['192.168.5.2', '192.168.5.3']);
    expect(sh.lines()).toEqual([FDB_SHOW, append('192.168.5.2'), append('192.168.5.3')]);
  });

  it('runs nothing but the read when the peers are equal (in any order)', async () => {
    const sh = shellWith(undefined, fdb(['192.168.5.3', '192.168.5.2']));
    await setVxlanPeers(sh, 'vx-ov1', ['192.168.5.2', '192.168.5.3']);
    expect(sh.lines()).toEqual([FDB_SHOW]);
  });

  it('adds missing peers before deleting extra ones', async () => {
    const sh = shellWith(undefined, fdb(['192.168.5.2', '192.168.5.4']));
    await setVxlanPeers(sh, 'vx-ov1', ['192.168.5.2', '192.168.5.3']);
    expect(sh.lines()).toEqual([FDB_SHOW, append('192.168.5.3'), del('192.168.5.4')]);
  });

  it('deletes every peer for an empty list', async () => {
    const sh = shellWith(undefined, fdb(['192.168.5.2', '192.168.5.4']));
    await setVxlanPeers(sh, 'vx-ov1', []);
    expect(sh.lines()).toEqual([FDB_SHOW, del('192.168.5.2'), del('192.168.5.4')]);
  });

  it('ignores static MAC entries and bridge rows, and duplicate peers', async () => {
    const sh = shellWith(undefined, fdb([], [['02:42:0a:00:00:05', '192.168.5.2']]));
    await setVxlanPeers(sh, 'vx-ov1', ['192.168.5.2', '192.168.5.2']);
    expect(sh.lines()).toEqual([FDB_SHOW, append('192.168.5.2')]);
  });

  it('treats empty output as an empty table', async () => {
    const sh = shellWith(undefined, '');
    await setVxlanPeers(sh, 'vx-ov1', ['192.168.5.2']);
    expect(sh.lines()).toEqual([FDB_SHOW, append('192.168.5.2')]);
  });

  it('rejects a non-IPv4 peer before running anything', async () => {
    const sh = shellWith(undefined);
    await expect(setVxlanPeers(sh, 'vx-ov1', ['node-2'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(sh.calls).toEqual([]);
  });
});

describe('setVxlanMacs', () => {
  const M1 = '02:42:0a:00:00:05';
  const M2 = '02:42:0a:00:00:06';

  it('adds missing entries with replace', async () => {
    const sh = shellWith(undefined, fdb(['192.168.5.2']));
    await setVxlanMacs(sh, 'vx-ov1', [{ mac: M1.toUpperCase(), dst: '192.168.5.2' }]);
    expect(sh.lines()).toEqual([FDB_SHOW, `bridge fdb replace ${M1} dev vx-ov1 dst 192.168.5.2`]);
  });

  it('runs nothing but the read when equal', async () => {
    const sh = shellWith(undefined, fdb(['192.168.5.2'], [[M1, '192.168.5.2']]));
    await setVxlanMacs(sh, 'vx-ov1', [{ mac: M1, dst: '192.168.5.2' }]);
    expect(sh.lines()).toEqual([FDB_SHOW]);
  });

  it('moves a MAC to another node with one replace and deletes unlisted MACs', async () => {
    const sh = shellWith(
      undefined,
      fdb(
        ['192.168.5.2'],
        [
          [M1, '192.168.5.2'],
          [M2, '192.168.5.3'],
        ],
      ),
    );
    await setVxlanMacs(sh, 'vx-ov1', [{ mac: M1, dst: '192.168.5.3' }]);
    expect(sh.lines()).toEqual([
      FDB_SHOW,
      `bridge fdb replace ${M1} dev vx-ov1 dst 192.168.5.3`,
      `bridge fdb del ${M2} dev vx-ov1`,
    ]);
  });

  it('trims a MAC with several remotes to the wanted one', async () => {
    const sh = shellWith(
      undefined,
      fdb(
        [],
        [
          [M1, '192.168.5.2'],
          [M1, '192.168.5.3'],
        ],
      ),
    );
    await setVxlanMacs(sh, 'vx-ov1', [{ mac: M1, dst: '192.168.5.3' }]);
    expect(sh.lines()).toEqual([FDB_SHOW, `bridge fdb del ${M1} dev vx-ov1 dst 192.168.5.2`]);
  });

  it('recreates a MAC with several remotes, none wanted', async () => {
    const sh = shellWith(
      undefined,
      fdb(
        [],
        [
          [M1, '192.168.5.2'],
          [M1, '192.168.5.3'],
        ],
      ),
    );
    await setVxlanMacs(sh, 'vx-ov1', [{ mac: M1, dst: '192.168.5.4' }]);
    expect(sh.lines()).toEqual([
      FDB_SHOW,
      `bridge fdb del ${M1} dev vx-ov1`,
      `bridge fdb replace ${M1} dev vx-ov1 dst 192.168.5.4`,
    ]);
  });

  it('leaves dynamic entries alone', async () => {
    const table = JSON.stringify([
      { mac: M2, dst: '192.168.5.3', flags: ['self'], state: 'stale' },
    ]);
    const sh = shellWith(undefined, table);
    await setVxlanMacs(sh, 'vx-ov1', []);
    expect(sh.lines()).toEqual([FDB_SHOW]);
  });

  it.each([
    [[{ mac: 'zz:42:0a:00:00:05', dst: '192.168.5.2' }]],
    [[{ mac: '00:00:00:00:00:00', dst: '192.168.5.2' }]],
    [[{ mac: '01:00:5e:00:00:01', dst: '192.168.5.2' }]],
    [[{ mac: M1, dst: 'nowhere' }]],
    [
      [
        { mac: M1, dst: '192.168.5.2' },
        { mac: M1, dst: '192.168.5.3' },
      ],
    ],
  ])('rejects %j before running anything', async (entries) => {
    const sh = shellWith(undefined);
    await expect(setVxlanMacs(sh, 'vx-ov1', entries)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(sh.calls).toEqual([]);
  });
});

describe('removeLink', () => {
  it('deletes the link', async () => {
    const sh = new RecordingShell();
    await removeLink(sh, 'vx-ov1');
    expect(sh.lines()).toEqual(['ip link del dev vx-ov1']);
  });

  it('succeeds when the link is absent', async () => {
    const sh = new RecordingShell((c) => commandFailure(c.cmd, 'Cannot find device "vx-ov1"'));
    await expect(removeLink(sh, 'vx-ov1')).resolves.toBeUndefined();
  });

  it('fails on other errors', async () => {
    const sh = new RecordingShell((c) => commandFailure(c.cmd, 'Operation not permitted', 2));
    await expect(removeLink(sh, 'vx-ov1')).rejects.toMatchObject({ code: 'COMMAND_FAILED' });
  });
});

describe('macForIp', () => {
  it.each([
    ['10.0.0.2', '02:42:0a:00:00:02'],
    ['172.18.255.1', '02:42:ac:12:ff:01'],
    ['0.0.0.0', '02:42:00:00:00:00'],
  ])('%s -> %s', (ip, mac) => {
    expect(macForIp(ip)).toBe(mac);
  });

  it.each(['10.0.0', '10.0.0.256', '10.0.0.2/24', '::1', ''])('rejects %j', (ip) => {
    expect(() => macForIp(ip)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as DataPlaneError,
    );
  });
});
