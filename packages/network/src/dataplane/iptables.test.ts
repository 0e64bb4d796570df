import { describe, expect, it } from 'vitest';
import { applyChains, jumpsTo, removeChains } from './iptables.js';
import { INGRESS_NAT_JUMPS, sandboxVipRules, type ChainJump } from './rules.js';
import { RecordingShell, commandFailure, type RecordedCall } from './testing.js';

const NAT_JUMP: ChainJump = {
  parent: 'PREROUTING',
  chain: 'SWARMLET-INGRESS',
  match: ['-m', 'addrtype', '--dst-type', 'LOCAL'],
};
const W = 'iptables -w 5 -t nat';

/** A fake iptables whose PARENT listing is `listing` and whose `-C` answers `present`. */
function iptables(listing: string, present: boolean): RecordingShell {
  return new RecordingShell((c: RecordedCall) => {
    const line = [c.cmd, ...c.args].join(' ');
    if (line.includes(' -S ')) return listing;
    if (line.includes(' -C ') && !present) {
      return commandFailure(
        line,
        'iptables: Bad rule (does a matching rule exist in that chain?).',
      );
    }
    return undefined;
  });
}

const LISTED = '-A PREROUTING -m addrtype --dst-type LOCAL -j SWARMLET-INGRESS';

describe('applyChains', () => {
  const rules = sandboxVipRules([{ vip: '10.0.0.2', backends: ['10.0.0.3'] }]);

  it('restores the rules first, then inserts a missing jump at the top', async () => {
    const sh = iptables('-P PREROUTING ACCEPT\n', false);
    await applyChains(sh, 'nat', [NAT_JUMP], rules);
    expect(sh.lines()).toEqual([
      'iptables-restore -w 5 --noflush',
      `${W} -S PREROUTING`,
      `${W} -C PREROUTING -m addrtype --dst-type LOCAL -j SWARMLET-INGRESS`,
      `${W} -I PREROUTING 1 -m addrtype --dst-type LOCAL -j SWARMLET-INGRESS`,
    ]);
    expect(sh.calls[0]?.input).toBe(rules);
  });

  it('leaves a single existing jump alone', async () => {
    const sh = iptables(`-P PREROUTING ACCEPT\n${LISTED}\n-A PREROUTING -j DOCKER\n`, true);
    await applyChains(sh, 'nat', [NAT_JUMP], rules);
    expect(sh.lines()).toHaveLength(3);
  });

  it('collapses duplicate jumps to one, inserting first', async () => {
    const sh = iptables(`${LISTED}\n${LISTED}\n`, true);
    await applyChains(sh, 'nat', [NAT_JUMP], rules);
    expect(sh.lines().slice(3)).toEqual([
      `${W} -I PREROUTING 1 -m addrtype --dst-type LOCAL -j SWARMLET-INGRESS`,
      `${W} -D PREROUTING -m addrtype --dst-type LOCAL -j SWARMLET-INGRESS`,
      `${W} -D PREROUTING -m addrtype --dst-type LOCAL -j SWARMLET-INGRESS`,
    ]);
  });

  it('replaces a jump with other matches', async () => {
    const sh = iptables('-A PREROUTING -j SWARMLET-INGRESS\n', false);
    await applyChains(sh, 'nat', [NAT_JUMP], rules);
    expect(sh.lines().slice(3)).toEqual([
      `${W} -I PREROUTING 1 -m addrtype --dst-type LOCAL -j SWARMLET-INGRESS`,
      `${W} -D PREROUTING -j SWARMLET-INGRESS`,
    ]);
  });

  it('refuses rules for another table', async () => {
    const sh = iptables('', false);
    await expect(applyChains(sh, 'filter', [], rules)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(sh.calls).toEqual([]);
  });

  it('propagates a failed restore without touching jumps', async () => {
    const sh = new RecordingShell((c) => commandFailure(c.cmd, 'line 3 failed'));
    await expect(applyChains(sh, 'nat', [NAT_JUMP], rules)).rejects.toMatchObject({
      code: 'COMMAND_FAILED',
    });
    expect(sh.calls).toHaveLength(1);
  });
});

describe('removeChains', () => {
  it('deletes every jump, then flushes and deletes each chain once', async () => {
    const sh = iptables(
      `${LISTED}\n-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j SWARMLET-INGRESS\n`,
      true,
    );
    await removeChains(sh, 'nat', INGRESS_NAT_JUMPS);
    expect(sh.lines()).toEqual([
      `${W} -S PREROUTING`,
      `${W} -D PREROUTING -m addrtype --dst-type LOCAL -j SWARMLET-INGRESS`,
      `${W} -S OUTPUT`,
      `${W} -D OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j SWARMLET-INGRESS`,
      `${W} -S POSTROUTING`,
      `${W} -F SWARMLET-INGRESS`,
      `${W} -F SWARMLET-POSTROUTING`,
      `${W} -X SWARMLET-INGRESS`,
      `${W} -X SWARMLET-POSTROUTING`,
    ]);
  });

  it('tolerates absent parents and chains', async () => {
    const sh = new RecordingShell((c) =>
      commandFailure(c.cmd, 'iptables: No chain/target/match by that name.'),
    );
    await expect(removeChains(sh, 'filter', [{ parent: 'DOCKER-USER', chain: 'X' }])).resolves.toBe(
      undefined,
    );
  });
});

describe('jumpsTo', () => {
  it('finds the rules of one parent whose target is the chain', () => {
    const listing = [
      '-P PREROUTING ACCEPT',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
      '-A PREROUTING -j SWARMLET-INGRESS-2',
      '-A PREROUTING -j SWARMLET-INGRESS',
      '-A PREROUTINGX -j SWARMLET-INGRESS',
    ].join('\n');
    expect(jumpsTo(listing, 'PREROUTING', 'SWARMLET-INGRESS')).toEqual([
      '-A PREROUTING -j SWARMLET-INGRESS',
    ]);
  });
});
