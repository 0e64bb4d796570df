import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { nodeUpdateRequest } from './node-flags.js';

describe('nodeUpdateRequest', () => {
  it('sends only the flags given', () => {
    expect(nodeUpdateRequest({})).toEqual({});
    expect(
      nodeUpdateRequest({
        availability: 'drain',
        labelAdd: ['zone=a', 'ssd', 'k=v=w'],
        labelRm: ['old'],
      }),
    ).toEqual({
      availability: 'drain',
      labelAdd: { zone: 'a', ssd: '', k: 'v=w' },
      labelRm: ['old'],
    });
  });

  it.each([
    [
      { availability: 'paused' },
      'invalid argument "paused" for "--availability": must be one of active, pause, drain',
    ],
    [{ labelAdd: ['=v'] }, 'invalid argument "=v" for "--label-add": empty key'],
    [{ labelRm: [''] }, 'invalid argument "" for "--label-rm": expected a label key'],
    [{ labelRm: ['k=v'] }, 'invalid argument "k=v" for "--label-rm": expected a label key'],
  ])('rejects %j', (flags, message) => {
    expect(() => nodeUpdateRequest(flags)).toThrow(UsageError);
    expect(() => nodeUpdateRequest(flags)).toThrow(message);
  });
});
