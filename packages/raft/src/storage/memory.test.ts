import { MemoryRaftStorage } from './memory.js';
import { runStorageContract } from './storage.contract.js';

runStorageContract('MemoryRaftStorage', () => ({
  create: async (conf) => new MemoryRaftStorage(conf),
  dispose: async () => undefined,
}));
