import { describe, expect, it } from 'vitest';
import type { Message } from '../types.js';
import { Network } from './harness.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const appsTo = (msgs: Message[], to: string): Message[] =>
  msgs.filter((m) => m.type === 'MsgApp' && m.to === to);

describe('§5.3 replication flow control (etcd progress states)', () => {
  it('replicate state pipelines up to maxInflightMsgs appends without waiting for acks', () => {
    const net = new Network(['a', 'b', 'c'], { maxInflightMsgs: 2 });
    net.campaign('a');
    const a = net.node('a');
    for (let i = 0; i < 5; i++) a.core.propose(enc(`p${i}`));
    const toB = appsTo(a.drain(), 'b');
    expect(toB.map((m) => m.entries.length)).toEqual([1, 1]);
    expect(a.core.status().progress?.b).toMatchObject({ state: 'replicate', next: 4 });
  });

  it('an ack frees the window and the rest goes out batched in one message', () => {
    const net = new Network(['a', 'b', 'c'], { maxInflightMsgs: 2 });
    net.campaign('a');
    const a = net.node('a');
    for (let i = 0; i < 5; i++) a.core.propose(enc(`p${i}`));
    const first = appsTo(a.drain(), 'b');
    a.core.step({
      ...(first[0] as Message),
      type: 'MsgAppResp',
      from: 'b',
      to: 'a',
      index: 2,
      entries: [],
    });
    const next = appsTo(a.drain(), 'b');
    expect(next.map((m) => m.entries.map((e) => e.index))).toEqual([[4, 5, 6]]);
  });

  it('maxSizePerMsg bounds the bytes of entries per MsgApp', () => {
    const net = new Network(['a', 'b', 'c'], { maxSizePerMsg: 100 });
    net.campaign('a');
    net.isolate('b');
    for (let i = 0; i < 6; i++) net.propose('a', 'x'.repeat(40));
    net.recover();
    net.trace.length = 0;
    net.tick('a');
    const sizes = net.trace
      .filter((t) => t.startsWith('a->b MsgApp') && !t.includes('ents=[]'))
      .map((t) => (/ents=\[([^\]]*)\]/.exec(t)?.[1] ?? '').split(',').length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
    expect(net.node('b').appliedData()).toHaveLength(6);
  });

  it('probe state sends one append at a time until the follower answers', () => {
    const net = new Network(['a', 'b', 'c']);
    net.isolate('b');
    net.campaign('a');
    net.propose('a', 'x');
    expect(net.node('a').core.status().progress?.b?.state).toBe('probe');
    const a = net.node('a');
    for (let i = 0; i < 3; i++) a.core.propose(enc(`q${i}`));
    expect(appsTo(a.drain(), 'b')).toHaveLength(0);
  });

  it('a rejection skips a whole conflicting term at once (fast log backtracking)', () => {
    const net = new Network(['a', 'b', 'c'], { preVote: false, checkQuorum: false });
    net.campaign('a');
    // a appends indexes 2..9 in term 1 that nobody else gets.
    net.isolate('a');
    for (let i = 0; i < 8; i++) net.propose('a', `stale${i}`);
    // Meanwhile b (term 2) commits indexes 2..7 with c; then c leads term 3.
    net.recover();
    net.isolate('a');
    net.campaign('b');
    for (let i = 0; i < 5; i++) net.propose('b', `fresh${i}`);
    net.campaign('c');
    net.recover();
    net.trace.length = 0;
    net.tick('c');
    // c probes at 7 (term 2); a has term 1 there. One rejection carrying
    // (hint 7, term 1) lets c jump straight back to index 2 instead of
    // walking back one index per round trip.
    const rejects = net.trace.filter(
      (t) => t.startsWith('a->c MsgAppResp') && t.includes('reject'),
    );
    expect(rejects).toEqual(['a->c MsgAppResp term=3 index=7 reject hint=7/1']);
    expect(net.node('a').appliedData()).toEqual(['fresh0', 'fresh1', 'fresh2', 'fresh3', 'fresh4']);
  });

  it('a rejection at or below the acknowledged match is ignored (no probe/reject storm)', () => {
    const net = new Network(['a', 'b', 'c']);
    net.campaign('a');
    net.propose('a', 'x');
    const a = net.node('a');
    const match = a.core.status().progress?.b?.match ?? 0;
    expect(match).toBe(2);
    // b claims not to have an entry it acknowledged (it broke its durability promise).
    const reject = {
      type: 'MsgAppResp' as const,
      from: 'b',
      to: 'a',
      term: 1,
      index: match,
      reject: true,
      rejectHint: 1,
    };
    for (let i = 0; i < 3; i++) a.core.step({ ...reject, logTerm: 1, commit: 0, entries: [] });
    expect(appsTo(a.drain(), 'b')).toHaveLength(0);
    expect(a.core.status().progress?.b?.match).toBe(match);
  });
});
