import { describe, expect, it } from 'vitest';
import { Network } from './harness.js';

// Message-level traces of small scenarios, stored as files (etcd's testdata/*.txt).
// Refresh with `vitest -u` after an intended protocol change, and review the diff.
describe('interaction traces', () => {
  it('campaign: pre-vote, vote, then the no-op commits', async () => {
    const net = new Network(['1', '2', '3']);
    net.campaign('1');
    await expect(net.trace.join('\n') + '\n').toMatchFileSnapshot('./__traces__/campaign.txt');
  });

  it('replication: a lagging follower is probed back and caught up', async () => {
    const net = new Network(['1', '2', '3']);
    net.campaign('1');
    net.isolate('3');
    net.propose('1', 'a');
    net.propose('1', 'b');
    net.recover();
    net.trace.length = 0;
    net.tick('1');
    await expect(net.trace.join('\n') + '\n').toMatchFileSnapshot('./__traces__/catch-up.txt');
  });

  it('snapshot: a follower behind the compacted log receives chunks', async () => {
    const net = new Network(['1', '2', '3'], { snapshotChunkSize: 16 });
    net.campaign('1');
    net.isolate('3');
    for (const v of ['alpha', 'beta', 'gamma']) net.propose('1', v);
    net.node('1').compact();
    net.recover();
    net.trace.length = 0;
    net.tick('1');
    await expect(net.trace.join('\n') + '\n').toMatchFileSnapshot('./__traces__/snapshot.txt');
  });

  it('transfer: leadership moves to an up-to-date follower', async () => {
    const net = new Network(['1', '2', '3']);
    net.campaign('1');
    net.trace.length = 0;
    net.node('1').core.transferLeader('2');
    net.stabilize();
    await expect(net.trace.join('\n') + '\n').toMatchFileSnapshot('./__traces__/transfer.txt');
  });
});
