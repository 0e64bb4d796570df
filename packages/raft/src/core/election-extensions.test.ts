import { describe, expect, it } from 'vitest';
import { Network } from './harness.js';

const role = (net: Network, id: string): string => net.node(id).core.status().softState.role;
const term = (net: Network, id: string): number => net.node(id).core.status().hardState.term;

describe('thesis §9.6 pre-vote', () => {
  it('§9.6 a partitioned node does not inflate its term while it cannot win', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.isolate('c');
    for (let i = 0; i < 5; i++) net.campaign('c');
    expect(term(net, 'c')).toBe(1);
    expect(role(net, 'c')).toBe('pre-candidate');
    net.recover();
    net.tick('a');
    expect(role(net, 'a')).toBe('leader');
    expect(term(net, 'a')).toBe(1);
    expect(role(net, 'c')).toBe('follower');
  });

  it('§9.6 without pre-vote the same partition disrupts the leader on rejoin', () => {
    const net = new Network(['a', 'b', 'c'], { preVote: false, checkQuorum: false });
    net.campaign('a');
    net.isolate('c');
    for (let i = 0; i < 5; i++) net.campaign('c');
    expect(term(net, 'c')).toBe(6);
    net.recover();
    net.campaign('c');
    expect(role(net, 'a')).not.toBe('leader');
    expect(term(net, 'a')).toBe(7);
  });

  it('§9.6 a pre-vote succeeds only with a majority, then a real election follows', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('b');
    expect(role(net, 'b')).toBe('leader');
    expect(term(net, 'b')).toBe(1);
    expect(net.trace.slice(0, 2)).toEqual([
      'b->a MsgPreVote term=1 last=0/0',
      'b->c MsgPreVote term=1 last=0/0',
    ]);
  });
});

describe('thesis §6.2 check-quorum and the vote lease', () => {
  it('§6.2 a leader that cannot reach a quorum for an election timeout steps down', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.isolate('a');
    net.tick('a', 10);
    expect(role(net, 'a')).toBe('leader');
    net.tick('a', 10);
    expect(role(net, 'a')).toBe('follower');
  });

  it('§4.2.3 followers ignore vote requests while they hear from a live leader', () => {
    const net = new Network(['a', 'b', 'c'], { preVote: false });
    net.campaign('a');
    net.tick('a');
    net.cut('c', 'a');
    net.campaign('c');
    // b heard from a within the election timeout: it neither votes nor bumps its term.
    expect(term(net, 'b')).toBe(1);
    expect(role(net, 'a')).toBe('leader');
    expect(role(net, 'c')).toBe('candidate');
  });

  it('§3.10 a transfer campaign bypasses the lease', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.node('a').core.transferLeader('c');
    net.stabilize();
    expect(role(net, 'c')).toBe('leader');
    expect(role(net, 'a')).toBe('follower');
    expect(term(net, 'c')).toBe(2);
  });
});

describe('§3.10 leadership transfer', () => {
  it('§3.10 the leader first brings the transferee up to date, then sends TimeoutNow', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.isolate('c');
    net.propose('a', 'x');
    net.recover();
    net.trace.length = 0;
    net.node('a').core.transferLeader('c');
    net.stabilize();
    const apps = net.trace.findIndex((t) => t.startsWith('a->c MsgApp '));
    const timeout = net.trace.findIndex((t) => t.startsWith('a->c MsgTimeoutNow'));
    expect(apps).toBeGreaterThanOrEqual(0);
    expect(timeout).toBeGreaterThan(apps);
    expect(role(net, 'c')).toBe('leader');
    expect(net.node('c').appliedData()).toEqual(['x']);
  });

  it('§3.10 proposals are refused during a transfer, and a stalled transfer aborts after an election timeout', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.cut('a', 'c');
    net.drop('b', 'a', 0);
    net.node('a').core.transferLeader('c');
    net.stabilize();
    const res = net.node('a').core.propose(new Uint8Array([1]));
    expect(res).toEqual({ ok: false, reason: 'transferring' });
    net.tick('a', 10);
    expect(net.node('a').core.status().leadTransferee).toBe('');
    expect(net.node('a').core.propose(new Uint8Array([1]))).toEqual({ ok: true });
  });
});

describe('§6.4 ReadIndex', () => {
  const ctx = (s: string): Uint8Array => new TextEncoder().encode(s);

  it('§6.4 a leader serves a read only after a heartbeat round confirms leadership', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.propose('a', 'x');
    net.isolate('a');
    net.node('a').core.readIndex(ctx('r1'));
    net.stabilize();
    expect(net.node('a').readStates).toEqual([]);
    net.recover();
    net.node('a').core.readIndex(ctx('r2'));
    net.stabilize();
    const commit = net.node('a').core.status().hardState.commit;
    expect(net.node('a').readStates).toEqual([
      { index: commit, requestCtx: ctx('r1') },
      { index: commit, requestCtx: ctx('r2') },
    ]);
  });

  it('§6.4 a new leader defers reads until it commits an entry of its term', () => {
    const net = new Network(['a', 'b', 'c']);
    net.ignore('MsgAppResp');
    net.campaign('a');
    net.node('a').core.readIndex(ctx('early'));
    net.stabilize();
    expect(net.node('a').readStates).toEqual([]);
    net.recover();
    net.tick('a');
    expect(net.node('a').readStates).toEqual([{ index: 1, requestCtx: ctx('early') }]);
  });

  it('§6.4 a follower read is answered with the leader commit index', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.propose('a', 'x');
    net.node('c').core.readIndex(ctx('f'));
    net.stabilize();
    expect(net.node('c').readStates).toEqual([{ index: 2, requestCtx: ctx('f') }]);
  });
});
