import { describe, expect, it } from 'vitest';
import { Network } from './harness.js';

const role = (net: Network, id: string): string => net.node(id).core.status().softState.role;

describe('§4.1 single-server membership changes', () => {
  it('§4.1 a learner receives the log but does not vote; it is promoted once caught up', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.propose('a', 'x');
    const a = net.node('a').core;
    expect(a.proposeConfChange({ type: 'add-learner', nodeId: 'd' })).toEqual({ ok: true });
    net.addNode('d', { voters: ['a', 'b', 'c'], learners: [] });
    net.stabilize();
    net.tick('a');
    expect(a.status().confState).toEqual({ voters: ['a', 'b', 'c'], learners: ['d'] });
    expect(net.node('d').appliedData()).toEqual(['x']);
    // A learner never campaigns.
    net.tick('d', 30);
    expect(role(net, 'd')).toBe('follower');
    expect(a.proposeConfChange({ type: 'add-node', nodeId: 'd' })).toEqual({ ok: true });
    net.stabilize();
    expect(a.status().confState.voters).toEqual(['a', 'b', 'c', 'd']);
    expect(net.node('d').core.status().confState.voters).toEqual(['a', 'b', 'c', 'd']);
  });

  it('§4.1 a learner that has not caught up cannot be promoted', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.propose('a', 'x');
    const a = net.node('a').core;
    a.proposeConfChange({ type: 'add-learner', nodeId: 'd' });
    net.stabilize();
    // d does not exist yet, so it has acknowledged nothing.
    expect(a.proposeConfChange({ type: 'add-node', nodeId: 'd' })).toEqual({
      ok: false,
      reason: 'learner-not-caught-up',
    });
  });

  it('§4.1 errata: no new conf change until the previous one is applied', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.isolate('a');
    const a = net.node('a').core;
    expect(a.proposeConfChange({ type: 'add-learner', nodeId: 'd' })).toEqual({ ok: true });
    net.stabilize();
    expect(a.proposeConfChange({ type: 'add-learner', nodeId: 'e' })).toEqual({
      ok: false,
      reason: 'conf-change-pending',
    });
    net.recover();
    net.tick('a');
    expect(a.proposeConfChange({ type: 'add-learner', nodeId: 'e' })).toEqual({ ok: true });
  });

  it('§4.1 errata: a new leader proposes no conf change before committing an entry of its term', () => {
    const net = new Network(['a', 'b', 'c']);
    net.ignore('MsgAppResp');
    net.campaign('a');
    expect(net.node('a').core.proposeConfChange({ type: 'remove-node', nodeId: 'c' })).toEqual({
      ok: false,
      reason: 'conf-change-pending',
    });
  });

  it('§4.1 removing a follower shrinks the quorum at once', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.node('a').core.proposeConfChange({ type: 'remove-node', nodeId: 'c' });
    net.stabilize();
    net.isolate('c');
    net.cut('a', 'b');
    net.propose('a', 'alone');
    expect(net.node('a').appliedData()).toEqual([]);
    net.recover();
    net.isolate('c');
    net.tick('a');
    expect(net.node('a').appliedData()).toEqual(['alone']);
  });

  it('§4.2.2 a removed leader steps down once the change is applied, and the rest elect a new one', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.node('a').core.proposeConfChange({ type: 'remove-node', nodeId: 'a' });
    net.stabilize();
    expect(role(net, 'a')).toBe('follower');
    // b and c still honour a's lease; one of them wins once it expires.
    for (let i = 0; i < 40 && role(net, 'b') !== 'leader' && role(net, 'c') !== 'leader'; i++) {
      net.tick('b');
      net.tick('c');
    }
    if (role(net, 'c') === 'leader') net.node('c').core.transferLeader('b');
    net.stabilize();
    expect(role(net, 'b')).toBe('leader');
    expect(net.node('b').core.status().confState.voters).toEqual(['b', 'c']);
    net.propose('b', 'after');
    expect(net.node('c').appliedData()).toEqual(['after']);
  });
});

describe('§7 log compaction and InstallSnapshot', () => {
  it('§7 a follower behind the compacted log catches up from a chunked snapshot', () => {
    const net = new Network(['a', 'b', 'c'], { snapshotChunkSize: 8 });
    net.campaign('a');
    net.isolate('c');
    for (const v of ['v1', 'v2', 'v3', 'v4']) net.propose('a', v);
    net.node('a').compact();
    net.recover();
    net.trace.length = 0;
    net.tick('a');
    const chunks = net.trace.filter((t) => t.startsWith('a->c MsgSnap'));
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks[chunks.length - 1]).toContain('done=true');
    expect(net.node('c').appliedData()).toEqual(['v1', 'v2', 'v3', 'v4']);
    net.propose('a', 'v5');
    expect(net.node('c').appliedData()).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect(net.node('a').core.status().progress?.c?.state).toBe('replicate');
  });

  it('§7 a lost chunk makes the follower ask for a restart at its offset', () => {
    const net = new Network(['a', 'b', 'c'], { snapshotChunkSize: 8 });
    net.campaign('a');
    net.isolate('c');
    for (const v of ['v1', 'v2', 'v3', 'v4']) net.propose('a', v);
    net.node('a').compact();
    net.recover();
    let lost = 0;
    net.dropIf((m) => m.type === 'MsgSnap' && m.offset === 16 && lost++ === 0);
    net.tick('a');
    expect(net.node('c').appliedData()).toEqual([]);
    // The leader resends from the last acknowledged offset after a few heartbeats.
    for (let i = 0; i < 4; i++) net.tick('a');
    expect(lost).toBeGreaterThan(0);
    expect(net.node('c').appliedData()).toEqual(['v1', 'v2', 'v3', 'v4']);
  });

  it('§7 a chunk from a different snapshot restarts reassembly from offset 0', () => {
    const net = new Network(['a', 'b', 'c'], { snapshotChunkSize: 8 });
    net.campaign('a');
    net.isolate('c');
    net.propose('a', 'v1');
    net.node('a').compact();
    net.recover();
    // c gets the first chunk of the old snapshot only.
    let first = true;
    net.dropIf((m) => m.type === 'MsgSnap' && !(m.offset === 0 && first && !(first = false)));
    net.tick('a');
    net.recover();
    net.isolate('c');
    net.propose('a', 'v2');
    net.node('a').compact();
    net.recover();
    for (let i = 0; i < 5; i++) net.tick('a');
    expect(net.node('c').appliedData()).toEqual(['v1', 'v2']);
  });

  it('§7 a restarted node recovers its log and state from snapshot plus entries', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.propose('a', 'v1');
    net.node('b').compact();
    net.propose('a', 'v2');
    net.restart('b');
    net.tick('a');
    expect(net.node('b').core.status().hardState.commit).toBe(3);
    expect(net.node('b').storage.firstIndex()).toBe(3);
  });
});
