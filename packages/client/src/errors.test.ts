import { SwarmletError } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { connectionError, responseError } from './errors.js';

describe('responseError', () => {
  it('rebuilds a catalogue error body', () => {
    const err = responseError(409, '{"code":"CONFLICT","message":"changed","details":{"v":1}}');
    expect(err).toMatchObject({
      name: 'SwarmletError',
      code: 'CONFLICT',
      message: 'changed',
      details: { v: 1 },
    });
  });

  it.each([
    [502, '<html>Bad Gateway</html>', 'INTERNAL'],
    [503, 'overloaded', 'UNAVAILABLE'],
    [404, '{"code":"FST_ERR_NOT_FOUND","message":"x"}', 'NOT_FOUND'],
  ])('maps a foreign %i body to a code by status', (status, body, code) => {
    const err = responseError(status, body);
    expect(err.code).toBe(code);
    expect(err.message).toContain(`unexpected response ${status} from the daemon`);
  });
});

describe('connectionError', () => {
  const target = 'unix:///var/run/swarmlet.sock';

  it('turns unreachable errnos, also wrapped as cause, into UNAVAILABLE', () => {
    const direct = connectionError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), target);
    expect(direct).toBeInstanceOf(SwarmletError);
    expect((direct as SwarmletError).message).toContain('is swarmletd running? (ECONNREFUSED;');
    const wrapped = new Error('fetch failed', {
      cause: Object.assign(new Error('y'), { code: 'ENOENT' }),
    });
    expect((connectionError(wrapped, target) as SwarmletError).code).toBe('UNAVAILABLE');
  });

  it('explains a permission problem on the root-only socket', () => {
    const err = connectionError(
      Object.assign(new Error('x'), { code: 'EACCES' }),
      target,
    ) as SwarmletError;
    expect(err.message).toContain(
      'permission denied while trying to connect to the swarmlet daemon',
    );
  });

  it('says a daemon that accepted the connection but did not answer in time is unavailable', () => {
    const err = connectionError(
      Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
      'https://10.0.0.1:4242',
    ) as SwarmletError;
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain('no answer from the swarmlet daemon at https://10.0.0.1:4242');
  });

  it('passes other errors through', () => {
    const other = new TypeError('bug');
    expect(connectionError(other, target)).toBe(other);
  });
});
