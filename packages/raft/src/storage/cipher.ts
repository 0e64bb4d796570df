import { StorageFaultCode, StorageFaultError } from './errors.js';

/**
 * Encrypts what FileStorage writes to disk: entry payloads and snapshot data.
 *
 * The storage treats sealed bytes as opaque: nonces, authentication tags and
 * key identifiers (for key rotation) are the cipher's business. `seal` must
 * be authenticated encryption (e.g. AES-256-GCM) so that `open` detects a
 * wrong key. Both run synchronously on the write path, once per entry.
 */
export interface PayloadCipher {
  seal(plain: Uint8Array): Uint8Array;
  /** Throws if the data was not sealed with this key or was altered. */
  open(sealed: Uint8Array): Uint8Array;
}

/** Message of the `sealed` fault when a data directory holds sealed data and no cipher was given. */
export const LOCKED_MESSAGE =
  'the Raft log is encrypted: this manager needs its data key (locked? run swarmlet unlock)';

/**
 * Opens sealed bytes read from `file` at `offset`. Called only on data whose
 * checksum verified, so a failure means a missing or wrong key (or deliberate
 * tampering), never a torn write: it throws `StorageFaultError('sealed')`.
 */
export function openSealed(
  cipher: PayloadCipher | undefined,
  sealed: Uint8Array,
  file: string,
  offset: number,
): Uint8Array {
  if (cipher === undefined) {
    throw new StorageFaultError(StorageFaultCode.Sealed, LOCKED_MESSAGE, file, offset);
  }
  try {
    return cipher.open(sealed);
  } catch (err) {
    throw new StorageFaultError(
      StorageFaultCode.Sealed,
      `sealed data in ${file} at offset ${offset} does not open with this manager's data key ` +
        '(wrong key, or the data was altered)',
      file,
      offset,
      { cause: err },
    );
  }
}
