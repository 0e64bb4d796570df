import { isSwarmletError } from '@swarmlet/api-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeJoinToken, parseJoinToken, sameJoinToken, tokenMatchesCA } from './join-token.js';
import { caDigest, createRootCA, type RootCA } from './root-ca.js';

let ca: RootCA;
let otherCa: RootCA;
beforeAll(async () => {
  [ca, otherCa] = await Promise.all([createRootCA(), createRootCA()]);
});

const DIGEST = `1${'a'.repeat(49)}`; // in range: a 50-char digest below 2^256 starts with 0-6
const SECRET = 'b'.repeat(25);

function parseError(token: string): string {
  try {
    parseJoinToken(token);
  } catch (e) {
    if (isSwarmletError(e, 'INVALID_ARGUMENT')) return e.message;
    throw e;
  }
  throw new Error(`parsed: ${token}`);
}

describe('join tokens', () => {
  it('have the form SWLTKN-1-<50 base36 digest>-<25 base36 secret>', () => {
    const token = makeJoinToken(ca.certPem);
    expect(token).toMatch(/^SWLTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
    const parsed = parseJoinToken(token);
    expect(parsed.version).toBe(1);
    expect(`SWLTKN-1-${parsed.caDigest}-${parsed.secret}`).toBe(token);
  });

  it('carry the CA digest in base36', () => {
    const { caDigest: digest } = parseJoinToken(makeJoinToken(ca.certPem));
    const asHex = [...digest].reduce((n, ch) => n * 36n + BigInt(parseInt(ch, 36)), 0n);
    expect(asHex.toString(16).padStart(64, '0')).toBe(caDigest(ca.certPem));
  });

  it('parse errors name the problem', () => {
    expect(parseError(`SWMTKN-1-${DIGEST}-${SECRET}`)).toBe(
      'invalid join token: prefix must be SWLTKN',
    );
    expect(parseError(`SWLTKN-2-${DIGEST}-${SECRET}`)).toMatch(/unsupported version "2"/);
    expect(parseError(`SWLTKN-1-${DIGEST}a-${SECRET}`)).toMatch(/CA digest must be 50 characters/);
    expect(parseError(`SWLTKN-1-${DIGEST}-${SECRET.slice(1)}`)).toMatch(/secret must be 25/);
    expect(parseError(`SWLTKN-1-${DIGEST.toUpperCase()}-${SECRET}`)).toMatch(/lowercase base36/);
    expect(parseError(`SWLTKN-1-${DIGEST}-${'_'.repeat(25)}`)).toMatch(/lowercase base36/);
    expect(parseError(`SWLTKN-1-${DIGEST}-${SECRET}-x`)).toMatch(/expected 4 dash-separated/);
    expect(parseError('')).toMatch(/^invalid join token: /);
    // 25 base36 chars can exceed 128 bits; such a secret was not made by makeJoinToken.
    expect(parseError(`SWLTKN-1-${DIGEST}-${'z'.repeat(25)}`)).toMatch(/secret out of range/);
    expect(parseError(`SWLTKN-1-${'z'.repeat(50)}-${SECRET}`)).toMatch(/digest out of range/);
    expect(parseJoinToken(`SWLTKN-1-${DIGEST}-${SECRET}`)).toEqual({
      version: 1,
      caDigest: DIGEST,
      secret: SECRET,
    });
  });

  it('match the CA they were made for and no other', () => {
    const token = parseJoinToken(makeJoinToken(ca.certPem));
    expect(tokenMatchesCA(token, ca.certPem)).toBe(true);
    expect(tokenMatchesCA(token, otherCa.certPem)).toBe(false);
    expect(tokenMatchesCA(token, 'not a certificate')).toBe(false);
  });

  it('rotate: a new token for the same CA has a different secret', () => {
    const before = makeJoinToken(ca.certPem);
    const after = makeJoinToken(ca.certPem);
    expect(after).not.toBe(before);
    expect(parseJoinToken(after).caDigest).toBe(parseJoinToken(before).caDigest);
    expect(sameJoinToken(before, after)).toBe(false);
    expect(sameJoinToken(before, before)).toBe(true);
  });

  it('sameJoinToken is false for malformed tokens', () => {
    const token = makeJoinToken(ca.certPem);
    expect(sameJoinToken(token, `${token}x`)).toBe(false);
    expect(sameJoinToken('garbage', 'garbage')).toBe(false);
  });
});
