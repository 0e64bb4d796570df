import { ByteReader, ByteWriter } from '../../storage/bytes.js';
import type { Entry } from '../../types.js';
import type { StateMachine } from '../state-machine.js';

/** A put command of the example key-value service. */
export interface KvPut {
  key: string;
  value: Uint8Array;
}

/** Encodes a put as proposal data. */
export function encodePut(p: KvPut): Uint8Array {
  return new ByteWriter(p.key.length + p.value.byteLength + 8).str(p.key).bytes(p.value).finish();
}

/** Decodes proposal data made by `encodePut`. */
export function decodePut(data: Uint8Array): KvPut {
  const r = new ByteReader(data);
  return { key: r.str(), value: r.bytes() };
}

/**
 * In-memory key-value state machine: each applied put overwrites its key and
 * returns the entry's index. `applies` counts applications, which tests use to
 * prove no entry is applied twice.
 */
export class KvStateMachine implements StateMachine<number> {
  readonly data = new Map<string, Uint8Array>();
  applies = 0;
  lastIndex = 0;

  /** @inheritDoc */
  apply(entry: Entry): number {
    if (entry.index <= this.lastIndex) throw new Error(`kv: entry ${entry.index} applied twice`);
    const p = decodePut(entry.data);
    this.data.set(p.key, p.value.slice());
    this.applies++;
    this.lastIndex = entry.index;
    return entry.index;
  }

  /** @inheritDoc */
  snapshot(): Uint8Array {
    const w = new ByteWriter(1024).uint(this.lastIndex).uint(this.data.size);
    for (const [k, v] of this.data) w.str(k).bytes(v);
    return w.finish().slice();
  }

  /** @inheritDoc */
  restore(data: Uint8Array): void {
    const r = new ByteReader(data);
    this.data.clear();
    this.lastIndex = r.uint();
    const n = r.uint();
    for (let i = 0; i < n; i++) this.data.set(r.str(), r.bytes().slice());
  }

  /** Value of `key`, or undefined. */
  get(key: string): Uint8Array | undefined {
    return this.data.get(key);
  }
}
