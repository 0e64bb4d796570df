import { MemoryStorage } from '../core/memory-storage.js';
import {
  RaftStorageError,
  StorageErrorCode,
  type ConfState,
  type Entry,
  type HardState,
  type InitialState,
  type Snapshot,
} from '../types.js';
import { StorageFaultCode, StorageFaultError } from './errors.js';
import type { RaftStorage } from './storage.js';

/**
 * Delegates the read side of `LogStorage` to an in-memory log. Base of both
 * storages, so the read behaviour they share is literally the same code.
 */
export abstract class MemoryBackedLog {
  protected constructor(protected mem: MemoryStorage) {}

  /** @inheritDoc */
  initialState(): InitialState {
    return this.mem.initialState();
  }
  /** @inheritDoc */
  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    return this.mem.entries(lo, hi, maxBytes);
  }
  /** @inheritDoc */
  term(i: number): number {
    return this.mem.term(i);
  }
  /** @inheritDoc */
  firstIndex(): number {
    return this.mem.firstIndex();
  }
  /** @inheritDoc */
  lastIndex(): number {
    return this.mem.lastIndex();
  }
  /** @inheritDoc */
  snapshot(): Snapshot {
    return this.mem.snapshot();
  }

  /** Throws unless `index` may be compacted: not past the snapshot (see `RaftStorage.compact`). */
  protected checkCompact(index: number): void {
    const snapIndex = this.mem.snapshot().meta.index;
    if (index > snapIndex) {
      throw new RaftStorageError(
        StorageErrorCode.Unavailable,
        `compact ${index} past snapshot ${snapIndex}`,
      );
    }
  }
}

/**
 * `RaftStorage` in memory (tests, simulations, learners that do not need
 * durability): wraps the core's `MemoryStorage`. Nothing survives the process.
 */
export class MemoryRaftStorage extends MemoryBackedLog implements RaftStorage {
  private closed = false;

  /** An empty log whose initial membership is `confState` (bootstrap). */
  constructor(confState: ConfState = { voters: [], learners: [] }) {
    super(MemoryStorage.withConf(confState));
  }

  /** @inheritDoc */
  async save(hardState: HardState | undefined, entries: readonly Entry[]): Promise<void> {
    this.checkOpen();
    this.mem.append(entries);
    if (hardState !== undefined) this.mem.setHardState(hardState);
  }

  /** @inheritDoc */
  async saveSnapshot(snap: Snapshot): Promise<void> {
    this.checkOpen();
    this.mem.applySnapshot(snap);
  }

  /** @inheritDoc */
  async createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot> {
    this.checkOpen();
    return this.mem.createSnapshot(index, confState, data);
  }

  /** @inheritDoc */
  async compact(index: number): Promise<void> {
    this.checkOpen();
    this.checkCompact(index);
    if (index >= this.mem.firstIndex()) this.mem.compact(index);
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed)
      throw new StorageFaultError(StorageFaultCode.Closed, 'MemoryRaftStorage is closed');
  }
}
