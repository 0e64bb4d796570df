import { describe, expect, it } from 'vitest';
import { makeMessage } from '../core/util.js';
import type { Entry, Ready } from '../types.js';
import { planReady } from './ready-plan.js';

const ent = (index: number): Entry => ({ index, term: 1, type: 'normal', data: new Uint8Array() });
const ready = (over: Partial<Ready>): Ready => ({
  readStates: [],
  entries: [],
  committedEntries: [],
  messages: [],
  mustSync: false,
  ...over,
});

describe('planReady', () => {
  const msgs = [
    makeMessage({ type: 'MsgApp', to: 'b' }),
    makeMessage({ type: 'MsgVoteResp', to: 'c' }),
    makeMessage({ type: 'MsgHeartbeat', to: 'c' }),
    makeMessage({ type: 'MsgAppResp', to: 'b' }),
  ];

  it('a leader sends replication traffic before its fsync, everything else after', () => {
    const p = planReady(ready({ messages: msgs }), 'leader', 0);
    expect(p.early.map((m) => m.type)).toEqual(['MsgApp', 'MsgHeartbeat']);
    expect(p.late.map((m) => m.type)).toEqual(['MsgVoteResp', 'MsgAppResp']);
  });

  it('a follower or candidate sends nothing before its fsync', () => {
    for (const role of ['follower', 'candidate', 'pre-candidate'] as const) {
      expect(planReady(ready({ messages: msgs }), role, 0).early).toEqual([]);
    }
  });

  it('applies early only committed entries already durable before this Ready', () => {
    const p = planReady(
      ready({ committedEntries: [ent(4), ent(5), ent(6)], entries: [ent(6)] }),
      'leader',
      5,
    );
    expect(p.applyFirst.map((e) => e.index)).toEqual([4, 5]);
    expect(p.applyAfter.map((e) => e.index)).toEqual([6]);
  });

  it('keeps the strict order when the Ready carries a snapshot', () => {
    const snapshot = {
      meta: { index: 9, term: 2, confState: { voters: ['a'], learners: [] } },
      data: new Uint8Array(),
    };
    const p = planReady(
      ready({ snapshot, messages: msgs, committedEntries: [ent(10)] }),
      'leader',
      20,
    );
    expect(p.early).toEqual([]);
    expect(p.applyFirst).toEqual([]);
    expect(p.applyAfter.map((e) => e.index)).toEqual([10]);
  });
});
