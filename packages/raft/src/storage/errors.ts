/** Why a storage refused to open or to write. */
export const StorageFaultCode = {
  /** A damaged record with valid records after it: not a torn write, refuse to guess. */
  WalCorrupt: 'wal-corrupt',
  /** A snapshot file whose checksum or framing does not verify. */
  SnapshotCorrupt: 'snapshot-corrupt',
  /** The WAL and snapshots on disk do not fit together (missing segment, gap). */
  Inconsistent: 'inconsistent',
  /** The storage was closed, or a previous write failed and left it unusable. */
  Closed: 'closed',
  /**
   * Sealed (encrypted) data on disk that this storage cannot open: no cipher was
   * given, or its key does not open the data. Nothing on disk was changed.
   */
  Sealed: 'sealed',
} as const;
/** Union of `StorageFaultCode` values. */
export type StorageFaultCode = (typeof StorageFaultCode)[keyof typeof StorageFaultCode];

/**
 * Thrown by the file storage. `file` and `offset` locate the damage when known,
 * so an operator can inspect it; the storage never silently skips data.
 */
export class StorageFaultError extends Error {
  override readonly name = 'StorageFaultError';
  constructor(
    readonly code: StorageFaultCode,
    message: string,
    readonly file?: string,
    readonly offset?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
