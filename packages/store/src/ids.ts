import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

/** A random 25-character lowercase id (125 bits), the shape of swarmkit's identity.NewID. */
export function newId(): string {
  const bytes = randomBytes(25);
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 31];
  return id;
}
