export { crc32, crc32Table } from './crc32.js';
export { StorageFaultCode, StorageFaultError } from './errors.js';
export type { PayloadCipher } from './cipher.js';
export type { RaftStorage } from './storage.js';
export { MemoryRaftStorage } from './memory.js';
export { FileStorage, type FileStorageOptions, type OpenReport } from './file-storage.js';
export { DEFAULT_SEGMENT_BYTES } from './wal.js';
