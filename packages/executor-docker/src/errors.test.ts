import { describe, expect, it } from 'vitest';
import { engineMessage, toExecutorError } from './errors.js';

function engineError(statusCode: number, message: string, json?: unknown): Error {
  return Object.assign(new Error(message), { statusCode, json });
}

describe('toExecutorError', () => {
  it("keeps the engine's message and marks 5xx temporary, 4xx permanent", () => {
    const e500 = toExecutorError(
      'create',
      engineError(500, '(HTTP code 500) server error - boom ', { message: 'boom' }),
    );
    expect(e500).toMatchObject({ kind: 'create', temporary: true, message: 'boom' });
    expect(toExecutorError('create', engineError(400, 'x', { message: 'bad' }))).toMatchObject({
      temporary: false,
    });
  });

  it('treats an unreachable engine as temporary', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), {
      code: 'ECONNREFUSED',
    });
    expect(toExecutorError('start', err, undefined)).toMatchObject({ temporary: true });
  });

  it("strips dockerode's wrapper from streamed errors", () => {
    expect(
      engineMessage(
        engineError(500, '(HTTP code 500) server error - Get "http://x/v2/": refused '),
      ),
    ).toBe('Get "http://x/v2/": refused');
  });
});
