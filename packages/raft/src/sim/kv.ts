/** A client operation on the simulated key-value store. */
export type KvInput =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'get'; key: string }
  | { kind: 'cas'; key: string; expected: string | null; value: string };

/** Result of a KV operation: put → 'ok', get → value or null, cas → swapped? */
export type KvOutput = string | null | boolean;

/** A command as stored in a log entry: the op plus its unique id. */
export interface KvCommand {
  opId: string;
  input: KvInput;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Encodes a command as entry data (JSON). */
export function encodeCommand(c: KvCommand): Uint8Array {
  return enc.encode(JSON.stringify(c));
}

/** Decodes entry data produced by `encodeCommand`. */
export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(dec.decode(data)) as KvCommand;
}

/**
 * The replicated state machine: a string map with exactly-once application
 * per op id (thesis §6.3 client sessions, reduced to a seen-set): a proposal
 * duplicated by the network is committed twice but takes effect once.
 * `apply` is deterministic, so replicas applying the same log agree.
 */
export class KvStore {
  private data = new Map<string, string>();
  private seen = new Map<string, KvOutput>();

  /** Applies a command once; a repeat returns the first application's output. */
  apply(cmd: KvCommand): KvOutput {
    const prior = this.seen.get(cmd.opId);
    if (prior !== undefined) return prior;
    const out = this.exec(cmd.input);
    this.seen.set(cmd.opId, out);
    return out;
  }

  private exec(input: KvInput): KvOutput {
    switch (input.kind) {
      case 'put':
        this.data.set(input.key, input.value);
        return 'ok';
      case 'get':
        return this.get(input.key);
      case 'cas': {
        if (this.get(input.key) !== input.expected) return false;
        this.data.set(input.key, input.value);
        return true;
      }
    }
  }

  /** Current value of `key` (null if absent). */
  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  /** Serialized state, for Raft snapshots (deterministic order). */
  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify({ data: [...this.data].sort(), seen: [...this.seen].sort() }));
  }

  /** Replaces the state with a snapshot's (empty data ⇒ empty store). */
  restore(bytes: Uint8Array): void {
    if (bytes.length === 0) {
      this.data = new Map();
      this.seen = new Map();
      return;
    }
    const s = JSON.parse(dec.decode(bytes)) as {
      data: [string, string][];
      seen: [string, KvOutput][];
    };
    this.data = new Map(s.data);
    this.seen = new Map(s.seen);
  }
}
