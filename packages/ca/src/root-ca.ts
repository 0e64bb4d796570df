import { createHash } from 'node:crypto';
import { SwarmletError } from '@swarmlet/api-types';
import { parseCertificate, randomSerial } from './certificate.js';
import { exportPrivateKeyPem, generateKeyPair, normalizePem } from './keys.js';
import { SIGNING_ALGORITHM, x509 } from './x509.js';

/** The cluster's root of trust: a self-signed CA certificate and its PKCS#8 private key (PEM). */
export interface RootCA {
  certPem: string;
  keyPem: string;
}

/** Options for {@link createRootCA}. */
export interface CreateRootCAOptions {
  /** Subject CN of the CA certificate. Default `swarmlet-ca`. */
  commonName?: string;
  /** Validity in days. Default 20 years, as swarmkit's root CA. */
  validityDays?: number;
}

const DEFAULT_CA_VALIDITY_DAYS = 20 * 365;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates start one minute in the past so peers with a slightly slow clock accept them. */
export const CLOCK_SKEW_MS = 60 * 1000;

/**
 * Creates a new root CA: an ECDSA P-256 key and a self-signed certificate with critical
 * basicConstraints cA=true and keyUsage keyCertSign + cRLSign.
 */
export async function createRootCA(opts: CreateRootCAOptions = {}): Promise<RootCA> {
  const commonName = opts.commonName ?? 'swarmlet-ca';
  const validityDays = opts.validityDays ?? DEFAULT_CA_VALIDITY_DAYS;
  if (commonName.length === 0 || commonName.length > 64) {
    throw new SwarmletError('INVALID_ARGUMENT', 'CA commonName must be 1-64 characters');
  }
  if (!Number.isFinite(validityDays) || validityDays <= 0) {
    throw new SwarmletError('INVALID_ARGUMENT', 'CA validityDays must be a positive number');
  }
  const keys = await generateKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [commonName] }],
    keys,
    serialNumber: randomSerial(),
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + validityDays * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certPem: normalizePem(cert.toString('pem')),
    keyPem: await exportPrivateKeyPem(keys.privateKey),
  };
}

/** sha256 of the CA certificate's DER, lowercase hex (64 chars). Throws INVALID_ARGUMENT. */
export function caDigest(certPem: string): string {
  const { native } = parseCertificate(certPem, 'CA certificate');
  return createHash('sha256').update(native.raw).digest('hex');
}
