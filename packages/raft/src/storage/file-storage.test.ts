import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileStorage } from './file-storage.js';
import { runStorageContract } from './storage.contract.js';
import { testCipher } from './test-cipher.js';

runStorageContract('FileStorage', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'raft-fs-'));
  return {
    create: (conf) => FileStorage.open(dir, { initialConf: conf, segmentBytes: 4096 }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

runStorageContract('FileStorage with a cipher', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'raft-fs-sealed-'));
  const cipher = testCipher();
  return {
    create: (conf) => FileStorage.open(dir, { initialConf: conf, segmentBytes: 4096, cipher }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
