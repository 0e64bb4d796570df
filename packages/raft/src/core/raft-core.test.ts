import { describe, expect, it } from 'vitest';
import type { Ready } from '../types.js';
import { MemoryStorage } from './memory-storage.js';
import { RaftCore } from './raft-core.js';
import { makeMessage } from './util.js';

const conf = { voters: ['a', 'b', 'c'], learners: [] };
const make = (storage = MemoryStorage.withConf(conf)): RaftCore =>
  new RaftCore({ id: 'a', rand: () => 0.5 }, storage);

describe('RaftCore API contract (RawNode)', () => {
  it('validates its config', () => {
    const s = MemoryStorage.withConf(conf);
    expect(() => new RaftCore({ id: '', rand: Math.random }, s)).toThrow(/id/);
    expect(
      () => new RaftCore({ id: 'a', rand: Math.random, electionTick: 2, heartbeatTick: 2 }, s),
    ).toThrow(/electionTick/);
    expect(() => new RaftCore({ id: 'a', rand: Math.random, maxInflightMsgs: 0 }, s)).toThrow(
      /maxInflight/,
    );
  });

  it('has nothing to do when idle, and refuses proposals without a leader', () => {
    const core = make();
    expect(core.hasReady()).toBe(false);
    expect(core.propose(new Uint8Array([1]))).toEqual({ ok: false, reason: 'no-leader' });
  });

  it('enforces ready/advance alternation', () => {
    const core = make();
    expect(() => core.advance()).toThrow(/without ready/);
    core.campaign();
    core.ready();
    expect(() => core.ready()).toThrow(/twice/);
    core.advance();
    expect(core.hasReady()).toBe(false);
  });

  it('reports soft and hard state only when they change, and mustSync only for term, vote or entries', () => {
    const s = MemoryStorage.withConf(conf);
    const core = make(s);
    const persist = (rd: Ready): void => {
      s.append(rd.entries);
      if (rd.hardState) s.setHardState(rd.hardState);
      core.advance();
    };
    core.campaign();
    const pre = core.ready();
    expect(pre.softState).toEqual({ lead: '', role: 'pre-candidate' });
    expect(pre.hardState).toBeUndefined();
    expect(pre.mustSync).toBe(false);
    persist(pre);
    core.step(makeMessage({ type: 'MsgPreVoteResp', from: 'b', to: 'a', term: 1 }));
    const vote = core.ready();
    expect(vote.softState?.role).toBe('candidate');
    expect(vote.hardState).toEqual({ term: 1, vote: 'a', commit: 0 });
    expect(vote.mustSync).toBe(true);
    persist(vote);
    core.step(makeMessage({ type: 'MsgVoteResp', from: 'b', to: 'a', term: 1 }));
    const lead = core.ready();
    expect(lead.entries.map((e) => [e.index, e.term])).toEqual([[1, 1]]);
    expect(lead.messages.every((m) => m.type === 'MsgApp')).toBe(true);
    persist(lead);
    core.step(makeMessage({ type: 'MsgAppResp', from: 'b', to: 'a', term: 1, index: 1 }));
    const commit = core.ready();
    expect(commit.hardState).toEqual({ term: 1, vote: 'a', commit: 1 });
    expect(commit.committedEntries.map((e) => e.index)).toEqual([1]);
    expect(commit.mustSync).toBe(false);
  });

  it('rejects local-only message kinds from the network', () => {
    const core = make();
    for (const type of ['MsgHup', 'MsgBeat', 'MsgCheckQuorum'] as const) {
      expect(() => core.step(makeMessage({ type, from: 'b', to: 'a' }))).toThrow(
        /cannot be stepped/,
      );
    }
  });

  it('drops responses from non-members', () => {
    const core = make();
    core.campaign();
    core.ready();
    core.advance();
    core.step(makeMessage({ type: 'MsgPreVoteResp', from: 'zz', to: 'a', term: 1 }));
    expect(core.status().softState.role).toBe('pre-candidate');
  });

  it('restarts with the persisted term, vote, commit and membership', () => {
    const s = MemoryStorage.withConf(conf);
    s.append([{ index: 1, term: 2, type: 'normal', data: new Uint8Array() }]);
    s.setHardState({ term: 3, vote: 'b', commit: 1 });
    const core = make(s);
    expect(core.status().hardState).toEqual({ term: 3, vote: 'b', commit: 1 });
    expect(core.status().confState).toEqual(conf);
    expect(core.ready().committedEntries.map((e) => e.index)).toEqual([1]);
  });

  it('does not re-deliver entries the application says it already applied', () => {
    const s = MemoryStorage.withConf(conf);
    s.append(
      [1, 2, 3].map((index) => ({
        index,
        term: 1,
        type: 'normal' as const,
        data: new Uint8Array(),
      })),
    );
    s.setHardState({ term: 1, vote: '', commit: 3 });
    const core = new RaftCore({ id: 'a', rand: () => 0, applied: 2 }, s);
    expect(core.ready().committedEntries.map((e) => e.index)).toEqual([3]);
  });
});
