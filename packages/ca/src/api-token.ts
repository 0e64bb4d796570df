import { createHash, randomInt } from 'node:crypto';
import { safeEqual } from './encoding.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const API_TOKEN = /^swlapi_([0-9a-z]{12})_[0-9a-z]{32}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A new API token and what the server stores for it. */
export interface NewApiToken {
  /** `swlapi_<id>_<secret>`: shown to the user once, never stored. */
  token: string;
  /** Public id (12 base36 chars): finds the stored hash and names the token in listings. */
  id: string;
  /** sha256 hex of the whole token: the only secret-derived value the server keeps. */
  hash: string;
}

/**
 * A bearer token for the REST API over TCP: `swlapi_<id 12 base36>_<secret 32 base36>` (about 165
 * random bits of secret). The `swlapi_` prefix makes leaked tokens easy to find by scanners.
 */
export function makeApiToken(): NewApiToken {
  const id = randomBase36(12);
  const token = `swlapi_${id}_${randomBase36(32)}`;
  return { token, id, hash: sha256Hex(token) };
}

/** The token's id, or undefined when the token is malformed. */
export function parseApiToken(token: string): { id: string } | undefined {
  const id = API_TOKEN.exec(token)?.[1];
  return id === undefined ? undefined : { id };
}

/** Constant-time check of a presented token against a stored hash; false when either is malformed. */
export function apiTokenMatches(token: string, hash: string): boolean {
  if (!parseApiToken(token) || !SHA256_HEX.test(hash)) return false;
  return safeEqual(sha256Hex(token), hash);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function randomBase36(chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) out += ALPHABET[randomInt(36)];
  return out;
}
