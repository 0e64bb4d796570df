import { describe, expect, it } from 'vitest';
import { Network } from './harness.js';
import { MemoryStorage } from './memory-storage.js';
import { RaftCore } from './raft-core.js';
import { makeMessage } from './util.js';

const plain = { preVote: false, checkQuorum: false };
const role = (net: Network, id: string): string => net.node(id).core.status().softState.role;
function campaignUntilLeader(net: Network, id: string): void {
  for (let i = 0; i < 3 && role(net, id) !== 'leader'; i++) net.campaign(id);
  expect(role(net, id)).toBe('leader');
}
const term = (net: Network, id: string): number => net.node(id).core.status().hardState.term;

describe('§5.2 leader election', () => {
  it('§5.2 a follower that receives no communication becomes candidate', () => {
    const s = MemoryStorage.withConf({ voters: ['a', 'b', 'c'], learners: [] });
    const core = new RaftCore({ id: 'a', rand: () => 0, ...plain }, s);
    for (let i = 0; i < 9; i++) core.tick();
    expect(core.status().softState.role).toBe('follower');
    core.tick();
    expect(core.status().softState.role).toBe('candidate');
    expect(core.status().hardState).toMatchObject({ term: 1, vote: 'a' });
    const rd = core.ready();
    expect(rd.messages.map((m) => [m.type, m.to, m.term])).toEqual([
      ['MsgVote', 'b', 1],
      ['MsgVote', 'c', 1],
    ]);
    expect(rd.mustSync).toBe(true);
  });

  it('§5.2 election timeouts are randomized in [electionTick, 2*electionTick)', () => {
    const seen = new Set<number>();
    for (const r of [0, 0.25, 0.5, 0.99]) {
      const s = MemoryStorage.withConf({ voters: ['a', 'b', 'c'], learners: [] });
      const core = new RaftCore({ id: 'a', rand: () => r, ...plain }, s);
      let ticks = 0;
      while (core.status().softState.role === 'follower') {
        core.tick();
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
      seen.add(ticks);
    }
    expect(seen.size).toBeGreaterThan(2);
  });

  it('§5.2 a candidate that wins a majority becomes leader and sends heartbeats', () => {
    const net = new Network(['a', 'b', 'c'], plain);
    net.campaign('a');
    expect(role(net, 'a')).toBe('leader');
    expect(role(net, 'b')).toBe('follower');
    expect(net.node('b').core.status().softState.lead).toBe('a');
  });

  it('§5.2 a candidate without a majority stays candidate', () => {
    const net = new Network(['a', 'b', 'c', 'd', 'e'], plain);
    net.isolate('a');
    net.drop('b', 'a', 0);
    net.campaign('a');
    expect(role(net, 'a')).toBe('candidate');
  });

  it('§5.2 each server votes for at most one candidate per term, first come first served', () => {
    const net = new Network(['a', 'b', 'c'], plain);
    net.node('b').core.step(makeMessage({ type: 'MsgVote', from: 'a', to: 'b', term: 1 }));
    net.node('b').core.step(makeMessage({ type: 'MsgVote', from: 'c', to: 'b', term: 1 }));
    const msgs = net.node('b').drain();
    expect(msgs.map((m) => [m.to, m.reject])).toEqual([
      ['a', false],
      ['c', true],
    ]);
    expect(net.node('b').storage.initialState().hardState.vote).toBe('a');
  });

  it('§5.2 a candidate that hears from a leader of its term steps down', () => {
    const net = new Network(['a', 'b', 'c'], plain);
    net.isolate('c');
    net.campaign('c');
    expect(role(net, 'c')).toBe('candidate');
    net.recover();
    net.isolate('a');
    net.recover();
    net.campaign('b');
    expect(role(net, 'b')).toBe('leader');
    expect(role(net, 'c')).toBe('follower');
  });

  it('§5.1 a server that sees a higher term adopts it and steps down', () => {
    const net = new Network(['a', 'b', 'c'], plain);
    net.campaign('a');
    net.node('a').core.step(makeMessage({ type: 'MsgHeartbeat', from: 'b', to: 'a', term: 5 }));
    expect(role(net, 'a')).toBe('follower');
    expect(term(net, 'a')).toBe(5);
  });

  it('§5.1 a server rejects requests with a stale term', () => {
    const net = new Network(['a', 'b', 'c'], plain);
    net.campaign('a');
    net.campaign('b');
    const before = net.node('c').core.status().hardState;
    net
      .node('c')
      .core.step(
        makeMessage({ type: 'MsgApp', from: 'a', to: 'c', term: 1, index: 1, logTerm: 1 }),
      );
    expect(net.node('c').core.status().hardState).toEqual(before);
  });
});

describe('§5.3 log replication', () => {
  it('§5.3 a leader commits an entry once a majority stored it and followers apply it', () => {
    const net = new Network(['a', 'b', 'c'], plain);
    net.campaign('a');
    net.cut('a', 'c');
    net.propose('a', 'x');
    expect(net.node('a').appliedData()).toEqual(['x']);
    expect(net.node('b').appliedData()).toEqual(['x']);
    expect(net.node('c').appliedData()).toEqual([]);
    net.recover();
    net.propose('a', 'y');
    expect(net.node('c').appliedData()).toEqual(['x', 'y']);
  });

  it('§5.3 a follower rejects an append whose previous entry does not match', () => {
    const net = new Network(['a', 'b', 'c'], plain);
    net.campaign('a');
    const b = net.node('b');
    b.core.step(makeMessage({ type: 'MsgApp', from: 'a', to: 'b', term: 1, index: 7, logTerm: 1 }));
    const [resp] = b.drain();
    expect(resp).toMatchObject({ type: 'MsgAppResp', reject: true, index: 7, rejectHint: 1 });
  });

  it('§5.3 the leader forces conflicting follower entries to be overwritten', () => {
    const net = new Network(['a', 'b', 'c'], plain);
    net.campaign('a');
    net.isolate('a');
    net.propose('a', 'lost-1');
    net.propose('a', 'lost-2');
    net.recover();
    net.isolate('a');
    net.recover();
    net.cut('a', 'b');
    net.cut('a', 'c');
    net.campaign('b');
    net.propose('b', 'kept');
    net.recover();
    net.tick('b', 1);
    net.propose('b', 'more');
    for (const id of ['a', 'b', 'c']) expect(net.node(id).appliedData()).toEqual(['kept', 'more']);
    expect(net.node('a').storage.lastIndex()).toBe(net.node('b').storage.lastIndex());
  });

  it('§5.3 a proposal at a follower is forwarded to the leader', () => {
    const net = new Network(['a', 'b', 'c'], plain);
    net.campaign('a');
    net.propose('c', 'via-c');
    for (const id of ['a', 'b', 'c']) expect(net.node(id).appliedData()).toEqual(['via-c']);
  });
});

describe('§5.4 safety', () => {
  it('§5.4.1 a voter denies its vote to a candidate with a less up-to-date log', () => {
    const net = new Network(['a', 'b', 'c'], plain);
    net.campaign('a');
    net.isolate('c');
    net.propose('a', 'x');
    net.recover();
    net.isolate('a');
    net.campaign('c');
    expect(role(net, 'c')).not.toBe('leader');
    net.campaign('b');
    expect(role(net, 'b')).toBe('leader');
  });

  it('§5.4.2 leader never commits entries from previous terms by counting replicas', () => {
    const net = new Network(['a', 'b', 'c', 'd', 'e'], { ...plain, maxSizePerMsg: 1 });
    net.campaign('a');
    // a stores 'old' (term 1) with b only, then crashes.
    net.isolate('a');
    net.drop('a', 'b', 0);
    net.drop('b', 'a', 0);
    net.propose('a', 'old');
    net.restart('a');
    net.recover();
    // a is re-elected in term 2; its term-2 no-op never reaches anyone, but the
    // term-1 entry does: it now sits on all five servers, still uncommitted.
    net.loseEntries((e) => e.term === 2);
    net.campaign('a');
    expect(role(net, 'a')).toBe('leader');
    expect(term(net, 'a')).toBe(2);
    for (const id of ['b', 'c', 'd', 'e']) expect(net.node(id).storage.term(2)).toBe(1);
    const a = net.node('a');
    expect(a.core.status().hardState.commit).toBe(1);
    expect(a.appliedData()).toEqual([]);
    // Once the no-op of term 2 is replicated, both entries commit together.
    net.recover();
    net.tick('a');
    expect(a.core.status().hardState.commit).toBe(3);
    for (const id of ['a', 'b', 'c', 'd', 'e']) expect(net.node(id).appliedData()).toEqual(['old']);
  });

  it('§5.4.2 Figure 8: an entry replicated on a majority by an old leader can be overwritten', () => {
    const net = new Network(['s1', 's2', 's3', 's4', 's5'], { ...plain, maxSizePerMsg: 1 });
    // (a) s1 leads term 1 and replicates index 2 to s2 only, then crashes.
    net.campaign('s1');
    net.isolate('s1');
    net.drop('s1', 's2', 0);
    net.drop('s2', 's1', 0);
    net.propose('s1', 'fig8-s1');
    expect(net.node('s2').storage.lastIndex()).toBe(2);
    net.restart('s1');
    // (b) s5 is elected by s3, s4, s5 and writes different entries at index 2-3, then crashes.
    net.recover();
    net.isolate('s1');
    net.cut('s5', 's2');
    net.ignore('MsgApp');
    net.campaign('s5');
    expect(role(net, 's5')).toBe('leader');
    net.isolate('s5');
    net.propose('s5', 'fig8-s5');
    net.restart('s5');
    // (c) s1 restarts and is elected (s2, s3); its term-1 entry reaches s3, its
    // own-term no-op does not: index 2 is on a majority but must stay uncommitted.
    net.recover();
    net.isolate('s5');
    net.cut('s1', 's4');
    net.loseEntries((e) => e.term > 2);
    campaignUntilLeader(net, 's1');
    const s1Term = term(net, 's1');
    expect(net.node('s3').storage.term(2)).toBe(1);
    expect(net.node('s1').core.status().hardState.commit).toBe(1);
    // (d) s1 crashes; s5 (last term 2) wins with s2, s3, s4 and overwrites index 2.
    net.restart('s1');
    net.recover();
    net.isolate('s1');
    campaignUntilLeader(net, 's5');
    expect(term(net, 's5')).toBeGreaterThan(s1Term);
    net.propose('s5', 'after');
    net.recover();
    net.tick('s5');
    for (const id of ['s1', 's2', 's3', 's4', 's5']) {
      expect(net.node(id).appliedData()).toEqual(['fig8-s5', 'after']);
    }
  });

  it('§5.4.3 leader completeness: a committed entry survives every later leader change', () => {
    const net = new Network(['a', 'b', 'c'], plain);
    net.campaign('a');
    net.propose('a', 'committed');
    for (const next of ['b', 'c', 'a']) {
      net.campaign(next);
      expect(role(net, next)).toBe('leader');
      expect(net.node(next).appliedData()[0]).toBe('committed');
    }
  });
});
