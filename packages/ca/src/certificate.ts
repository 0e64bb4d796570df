import { X509Certificate, randomBytes } from 'node:crypto';
import { SwarmletError } from '@swarmlet/api-types';
import { x509 } from './x509.js';

/** One certificate parsed both ways: node:crypto (verification) and @peculiar/x509 (fields). */
export interface ParsedCertificate {
  native: X509Certificate;
  fields: x509.X509Certificate;
}

/**
 * Parses one PEM certificate. node:crypto parses first because it is strict about PEM (the
 * @peculiar parser also accepts hex and base64); the fields are then read from its DER.
 * Throws INVALID_ARGUMENT naming `what` when the text is not a certificate.
 */
export function parseCertificate(pem: string, what: string): ParsedCertificate {
  try {
    const native = new X509Certificate(pem);
    return { native, fields: new x509.X509Certificate(native.raw) };
  } catch (cause) {
    throw new SwarmletError('INVALID_ARGUMENT', `invalid ${what}: not a PEM X.509 certificate`, {
      cause,
    });
  }
}

/** A random positive 16-byte serial number as hex (high bit clear, never a leading zero byte). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}
