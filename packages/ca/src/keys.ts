import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { SwarmletError } from '@swarmlet/api-types';
import { KEY_ALGORITHM, x509 } from './x509.js';

/** A WebCrypto key pair as returned by `subtle.generateKey`. */
export interface KeyPair {
  publicKey: webcrypto.CryptoKey;
  privateKey: webcrypto.CryptoKey;
}

/** A fresh, extractable ECDSA P-256 key pair (extractable so the private key can be saved as PEM). */
export async function generateKeyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as KeyPair;
}

/** The private key as a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
export async function exportPrivateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return normalizePem(x509.PemConverter.encode(der, 'PRIVATE KEY'));
}

/**
 * Imports a PKCS#8 PEM P-256 private key for signing. Throws INVALID_ARGUMENT when it is not one.
 * Also returns the SPKI DER of its public half, so callers can check it against a certificate.
 */
export async function importSigningKey(
  pem: string,
): Promise<{ key: webcrypto.CryptoKey; spki: Buffer }> {
  try {
    const keyObject = createPrivateKey(pem);
    const der = keyObject.export({ format: 'der', type: 'pkcs8' });
    const key = await webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
    const spki = createPublicKey(keyObject).export({ format: 'der', type: 'spki' });
    return { key, spki };
  } catch (cause) {
    throw new SwarmletError('INVALID_ARGUMENT', 'invalid CA key: expected a PKCS#8 P-256 key', {
      cause,
    });
  }
}

/** PEM with LF line endings and a trailing newline, whatever the encoder produced. */
export function normalizePem(pem: string): string {
  const text = pem.replace(/\r\n/g, '\n').trimEnd();
  return `${text}\n`;
}
