/** A client operation on the simulated key-value store. */
export type KvInput =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'get'; key: string }
  | { kind: 'cas'; key: string; expected: string | null; value: string };

/** Result of a KV operation: put → 'ok', get → value or null, cas → swapped? */
export type KvOutput = string | null | boolean;

/**
 * A command as stored in a log entry: the op, its unique id, and the client
 * session (`client`, `seq`) used for exactly-once application.
 */
export interface KvCommand {
  opId: string;
  client: string;
  /** Per-client sequence number, strictly increasing (one op at a time per client). */
  seq: number;
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

interface Session {
  seq: number;
  output: KvOutput;
}

/**
 * The replicated state machine: a string map with exactly-once application
 * through client sessions (thesis §6.3): each client's last sequence number
 * and output are kept, so a proposal duplicated by the network is committed
 * twice but takes effect once. `apply` is deterministic, so replicas applying
 * the same log agree.
 */
export class KvStore {
  private data = new Map<string, string>();
  private sessions = new Map<string, Session>();

  /** Applies a command once; a repeat (seq ≤ last seen) has no effect. */
  apply(cmd: KvCommand): KvOutput {
    const s = this.sessions.get(cmd.client);
    if (s !== undefined && cmd.seq <= s.seq) return s.output;
    const output = this.exec(cmd.input);
    this.sessions.set(cmd.client, { seq: cmd.seq, output });
    return output;
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
    const sessions = [...this.sessions].sort();
    return enc.encode(JSON.stringify({ data: [...this.data].sort(), sessions }));
  }

  /** Replaces the state with a snapshot's (empty data ⇒ empty store). */
  restore(bytes: Uint8Array): void {
    if (bytes.length === 0) {
      this.data = new Map();
      this.sessions = new Map();
      return;
    }
    const s = JSON.parse(dec.decode(bytes)) as {
      data: [string, string][];
      sessions: [string, Session][];
    };
    this.data = new Map(s.data);
    this.sessions = new Map(s.sessions);
  }
}
