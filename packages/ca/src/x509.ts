/**
 * The one place that loads `@peculiar/x509`. Its tsyringe dependency needs `reflect-metadata`
 * evaluated first, and it needs a WebCrypto provider; every other file imports `x509` from here so
 * that order holds regardless of which module is loaded first.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// The library keeps a process-wide provider; Node's WebCrypto is the only one we ever set, so
// setting it again from another copy of this module is harmless.
x509.cryptoProvider.set(webcrypto);

/** Key generation parameters: ECDSA on P-256, used for the root CA and every node key. */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Signature parameters: ECDSA with SHA-256, used for every certificate and CSR. */
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

export { x509 };
