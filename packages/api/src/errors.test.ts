import { ERROR_CODES, SwarmletError } from '@swarmlet/api-types';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, isErrorCode, toErrorBody } from './errors.js';

describe('ERROR_STATUS', () => {
  it('maps every code to a 4xx or 5xx status', () => {
    for (const code of ERROR_CODES) {
      expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
      expect(ERROR_STATUS[code]).toBeLessThan(600);
    }
  });

  it('recognises catalogue codes only', () => {
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('FST_ERR_NOT_FOUND')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });
});

describe('toErrorBody', () => {
  it('keeps a SwarmletError without details as code and message', () => {
    expect(toErrorBody(new SwarmletError('CONFLICT', 'changed'))).toEqual({
      status: 409,
      body: { code: 'CONFLICT', message: 'changed' },
    });
  });

  it('turns fastify client errors into INVALID_ARGUMENT', () => {
    const err = Object.assign(new Error('Body is too large'), { statusCode: 413 });
    expect(toErrorBody(err)).toEqual({
      status: 400,
      body: { code: 'INVALID_ARGUMENT', message: 'Body is too large' },
    });
  });

  it('never leaks the text of unexpected errors', () => {
    expect(toErrorBody(new Error('password=hunter2')).body.message).toBe('internal error');
    expect(toErrorBody('thrown string').status).toBe(500);
  });
});
