import { randomBytes } from 'node:crypto';
import { SwarmletError } from '@swarmlet/api-types';
import { fromBase36, safeEqual, toBase36 } from './encoding.js';
import { caDigest } from './root-ca.js';

/** Token prefix, after swarmkit's `SWMTKN`. */
export const JOIN_TOKEN_PREFIX = 'SWLTKN';
const DIGEST_CHARS = 50; // ceil(256 / log2(36))
const SECRET_CHARS = 25; // ceil(128 / log2(36))
const SECRET_BYTES = 16;
const BASE36 = /^[0-9a-z]+$/;

/** A join token split into its parts. */
export interface ParsedJoinToken {
  version: 1;
  /** The CA digest as it appears in the token: 50 lowercase base36 chars. */
  caDigest: string;
  /** The secret: 25 lowercase base36 chars. */
  secret: string;
}

/**
 * A new join token for the CA: `SWLTKN-1-<sha256 of CA DER, 50 base36>-<16 random bytes, 25
 * base36>`. The digest lets a joining node pin the CA before trusting it; the secret admits it.
 * Worker and manager tokens are made the same way; rotation is making a new one.
 */
export function makeJoinToken(caCertPem: string): string {
  const digest = digestBase36(caCertPem);
  const secret = toBase36(randomBytes(SECRET_BYTES), SECRET_CHARS);
  return `${JOIN_TOKEN_PREFIX}-1-${digest}-${secret}`;
}

/** Splits a join token. Throws SwarmletError('INVALID_ARGUMENT', 'invalid join token: ...'). */
export function parseJoinToken(token: string): ParsedJoinToken {
  const parts = token.split('-');
  if (parts.length !== 4) throw invalid('expected 4 dash-separated parts');
  const [prefix, version, digest = '', secret = ''] = parts;
  if (prefix !== JOIN_TOKEN_PREFIX) throw invalid(`prefix must be ${JOIN_TOKEN_PREFIX}`);
  if (version !== '1') throw invalid(`unsupported version ${JSON.stringify(version)}`);
  checkPart('CA digest', digest, DIGEST_CHARS, 256);
  checkPart('secret', secret, SECRET_CHARS, SECRET_BYTES * 8);
  return { version: 1, caDigest: digest, secret };
}

/** True when caCertPem's digest matches the token's (constant-time compare). */
export function tokenMatchesCA(token: ParsedJoinToken, caCertPem: string): boolean {
  let digest: string;
  try {
    digest = digestBase36(caCertPem);
  } catch {
    return false;
  }
  return safeEqual(token.caDigest, digest);
}

/** Constant-time comparison of the secret parts of two full tokens; false if either is malformed. */
export function sameJoinToken(a: string, b: string): boolean {
  let x: ParsedJoinToken;
  let y: ParsedJoinToken;
  try {
    x = parseJoinToken(a);
    y = parseJoinToken(b);
  } catch {
    return false;
  }
  return safeEqual(x.secret, y.secret);
}

function digestBase36(caCertPem: string): string {
  return toBase36(Buffer.from(caDigest(caCertPem), 'hex'), DIGEST_CHARS);
}

function checkPart(what: string, text: string, chars: number, bits: number): void {
  if (text.length !== chars) throw invalid(`${what} must be ${chars} characters`);
  if (!BASE36.test(text)) throw invalid(`${what} must be lowercase base36`);
  if (fromBase36(text) >= 1n << BigInt(bits)) throw invalid(`${what} out of range`);
}

function invalid(reason: string): SwarmletError {
  return new SwarmletError('INVALID_ARGUMENT', `invalid join token: ${reason}`);
}
