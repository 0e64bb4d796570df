import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { invalid } from '@swarmlet/api-types';

/** What `secret inspect` shows about a TLS secret; every field is read from the first certificate. */
export interface TlsInfo {
  /** The subject, RDNs in certificate order joined with ', ': `O=acme, CN=web.example.com`. */
  subject: string;
  /** The issuer, in the same form. */
  issuer: string;
  /** Start of validity, ISO 8601 UTC. */
  notBefore: string;
  /** End of validity, ISO 8601 UTC. */
  notAfter: string;
}

interface PemBlock {
  label: string;
  pem: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const KEY_LABELS = new Set(['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY']);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Checks that pem holds a certificate chain and exactly one unencrypted private key (PKCS#8,
 * SEC1 or PKCS#1), in any order, and that the key belongs to the first certificate (same SPKI).
 * Returns the first certificate's subject, issuer and validity. Expired certificates pass, as in
 * Docker: the caller shows `notAfter`. Throws INVALID_ARGUMENT with the reason.
 */
export function checkTlsPem(pem: string): TlsInfo {
  const blocks = [...pem.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] ?? '', pem: m[0] }));
  const certBlock = blocks.find((b) => b.label === 'CERTIFICATE');
  if (!certBlock) throw invalid('no PEM certificate found');
  const key = privateKey(blocks);
  const cert = parse('the first certificate', () => new X509Certificate(certBlock.pem));
  const certSpki = spki(cert.publicKey);
  if (!certSpki.equals(spki(createPublicKey(key)))) {
    throw invalid('the private key does not match the certificate');
  }
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    notBefore: isoDate(cert.validFrom),
    notAfter: isoDate(cert.validTo),
  };
}

function privateKey(blocks: PemBlock[]): KeyObject {
  if (blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY')) {
    throw invalid('the private key is encrypted; give it without a passphrase');
  }
  const keys = blocks.filter((b) => KEY_LABELS.has(b.label));
  const [keyBlock] = keys;
  if (!keyBlock) throw invalid('no PEM private key found');
  if (keys.length > 1) throw invalid(`found ${keys.length} private keys; expected one`);
  return parse('the private key', () => createPrivateKey(keyBlock.pem));
}

function parse<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    throw invalid(`${what} cannot be parsed: ${(cause as Error).message}`);
  }
}

function spki(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

function oneLine(name: string): string {
  return name.split('\n').join(', ');
}

/** node:crypto's `Mon DD HH:MM:SS YYYY GMT` (Node 20 has no Date accessor) as ISO 8601. */
function isoDate(text: string): string {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4}) GMT$/.exec(text);
  const month = MONTHS.indexOf(m?.[1] ?? '');
  if (!m || month < 0) throw invalid(`the certificate has an unreadable date ${text}`);
  const [, , day, hh, mm, ss, year] = m.map(Number);
  return new Date(Date.UTC(year ?? 0, month, day, hh, mm, ss)).toISOString();
}
