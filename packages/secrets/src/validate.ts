import { invalid } from '@swarmlet/api-types';
import { checkTlsPem, type TlsInfo } from './tls.js';

/** The largest secret, in bytes of data (Docker's limit: 500 KiB). */
export const MAX_SECRET_BYTES = 500 * 1024;
/** The largest config, in bytes of data (Docker's limit: 1000 KiB). */
export const MAX_CONFIG_BYTES = 1000 * 1024;
/** The longest secret or config name. */
export const MAX_NAME_CHARS = 64;

/** `opaque`: any bytes. `tls`: a PEM certificate chain with its private key. */
export type SecretType = 'opaque' | 'tls';
/** The two kinds of object that carry data and are named by the same rule. */
export type DataKind = 'secret' | 'config';

const NAME = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/;

/**
 * Checks a secret's data before it is stored: 1 to MAX_SECRET_BYTES bytes, and for `tls` a
 * matching PEM certificate and private key (see `checkTlsPem`). Returns the certificate summary
 * for `tls`, undefined for `opaque`. Throws INVALID_ARGUMENT with the reason; never echoes data.
 */
export function checkSecretData(data: Buffer, type: SecretType): TlsInfo | undefined {
  checkSize('secret', data, MAX_SECRET_BYTES);
  if (type === 'opaque') return undefined;
  if (type === 'tls') return checkTlsPem(data.toString('utf8'));
  throw invalid(`unknown secret type ${JSON.stringify(type)}; expected opaque or tls`);
}

/** Checks a config's data: 1 to MAX_CONFIG_BYTES bytes. Throws INVALID_ARGUMENT. */
export function checkConfigData(data: Buffer): void {
  checkSize('config', data, MAX_CONFIG_BYTES);
}

/**
 * Checks a secret or config name with Docker's rule: 1 to 64 characters of `[a-zA-Z0-9-_.]`,
 * starting and ending with a letter or digit. Throws INVALID_ARGUMENT naming the kind.
 */
export function checkName(kind: DataKind, name: string): void {
  if (name.length === 0 || name.length > MAX_NAME_CHARS) {
    throw invalid(`${kind} name must be 1 to ${MAX_NAME_CHARS} characters, not ${name.length}`);
  }
  if (!NAME.test(name)) {
    throw invalid(
      `invalid ${kind} name ${JSON.stringify(name)}: only [a-zA-Z0-9-_.] are allowed, ` +
        'and it must start and end with a letter or digit',
    );
  }
}

function checkSize(kind: DataKind, data: Buffer, limit: number): void {
  if (data.length === 0) throw invalid(`${kind} data is empty`);
  if (data.length > limit) {
    throw invalid(`${kind} is ${data.length} bytes; the limit is ${limit}`);
  }
}
