import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiTokenMatches, makeApiToken, parseApiToken } from './api-token.js';

describe('API tokens', () => {
  it('have the form swlapi_<12 base36>_<32 base36> and store the sha256 of the whole token', () => {
    const { token, id, hash } = makeApiToken();
    expect(token).toMatch(/^swlapi_[0-9a-z]{12}_[0-9a-z]{32}$/);
    expect(token.startsWith(`swlapi_${id}_`)).toBe(true);
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
  });

  it('round-trip: parse gives the id, and the token matches its stored hash', () => {
    const made = makeApiToken();
    expect(parseApiToken(made.token)).toEqual({ id: made.id });
    expect(apiTokenMatches(made.token, made.hash)).toBe(true);
  });

  it('a modified token, or another token, does not match', () => {
    const { token, hash } = makeApiToken();
    const last = token.at(-1) === 'a' ? 'b' : 'a';
    expect(apiTokenMatches(token.slice(0, -1) + last, hash)).toBe(false);
    expect(apiTokenMatches(makeApiToken().token, hash)).toBe(false);
    expect(apiTokenMatches(token, hash.toUpperCase())).toBe(false);
    expect(apiTokenMatches(token, '')).toBe(false);
  });

  it('malformed tokens do not parse', () => {
    const { token } = makeApiToken();
    for (const bad of ['', token.replace('swlapi_', 'swlapx_'), `${token}0`, token.toUpperCase()]) {
      expect(parseApiToken(bad)).toBeUndefined();
    }
  });

  it('ids and secrets are random', () => {
    const a = makeApiToken();
    const b = makeApiToken();
    expect(a.id).not.toBe(b.id);
    expect(a.token.slice(20)).not.toBe(b.token.slice(20));
  });
});
