import { describe, expect, it } from 'vitest';
import { makeMessage } from '../core/util.js';
import type { Message } from '../types.js';
import { decodeFrame, encodeFrame } from './codec.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('wire codec', () => {
  it('round-trips every field, including optional ones and binary data', () => {
    const msgs: Message[] = [
      makeMessage({
        type: 'MsgApp',
        from: 'n1',
        to: 'n2',
        term: 7,
        logTerm: 6,
        index: 2 ** 40,
        commit: 99,
        entries: [
          { term: 7, index: 2 ** 40 + 1, type: 'normal', data: bytes('hello') },
          { term: 7, index: 2 ** 40 + 2, type: 'conf-change', data: new Uint8Array([0, 255, 1]) },
        ],
      }),
      makeMessage({
        type: 'MsgAppResp',
        from: 'n2',
        to: 'n1',
        reject: true,
        rejectHint: 12,
        logTerm: 3,
      }),
      makeMessage({ type: 'MsgHeartbeat', from: 'ü', to: 'n3', context: bytes('ctx') }),
      makeMessage({
        type: 'MsgSnap',
        from: 'n1',
        to: 'n3',
        offset: 1024,
        done: false,
        snapshot: {
          meta: { index: 5, term: 2, confState: { voters: ['a'], learners: ['b'] } },
          data: bytes('chunk'),
        },
      }),
      makeMessage({ type: 'MsgSnapResp', from: 'n3', to: 'n1', offset: 0, done: true }),
    ];
    expect(decodeFrame(encodeFrame(msgs))).toEqual(msgs);
  });

  it('rejects truncated frames and unknown versions', () => {
    const frame = encodeFrame([makeMessage({ type: 'MsgVote', from: 'a', to: 'b', term: 3 })]);
    expect(() => decodeFrame(frame.subarray(0, frame.length - 1))).toThrow();
    expect(() => decodeFrame(new Uint8Array([9, 0]))).toThrow(/version/);
    expect(() => decodeFrame(new Uint8Array([...frame, 0]))).toThrow(/trailing/);
  });
});
