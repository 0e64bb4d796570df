import type { Operation } from '../check/model.js';
import type { ClientReply } from './env.js';
import type { EventQueue } from './event-queue.js';
import type { KvCommand, KvInput, KvOutput } from './kv.js';
import type { Prng } from './prng.js';

/** How a client reaches the cluster. */
export interface ClientTransport {
  /** Sends a command to a node after the client→node delay (lost if the node is down). */
  submit(node: string, clientId: string, cmd: KvCommand): void;
  /** Ids of all servers. */
  nodes(): string[];
}

/** Client behaviour knobs. */
export interface ClientParams {
  keys: string[];
  timeoutMs: number;
  thinkMs: number;
  casRatio: number;
  readRatio: number;
}

interface InFlight {
  cmd: KvCommand;
  call: number;
  node: string;
}

/**
 * A closed-loop client issuing one op at a time and recording a history for
 * the linearizability checker. A write that times out has unknown effect and
 * stays in the history as pending forever (return = Infinity); a definite
 * failure or an unanswered read is dropped (it had no effect).
 */
export class SimClient {
  readonly history: Operation<KvInput, KvOutput>[] = [];
  completed = 0;
  lastSuccessAt = -1;
  private seq = 0;
  private current: InFlight | undefined;
  private stopped = false;
  private hint: string | undefined;

  constructor(
    readonly id: string,
    private readonly q: EventQueue,
    private readonly rng: Prng,
    private readonly params: ClientParams,
    private readonly net: ClientTransport,
  ) {}

  /** Starts the issue loop. */
  start(): void {
    this.q.after(this.rng.int(this.params.thinkMs) + 1, () => this.issue());
  }

  /** Stops issuing new ops (the in-flight one may still complete). */
  stop(): void {
    this.stopped = true;
  }

  private issue(): void {
    if (this.stopped) return;
    const seq = this.seq++;
    const cmd: KvCommand = {
      opId: `${this.id}.${seq}`,
      client: this.id,
      seq,
      input: this.randomInput(),
    };
    const node =
      this.hint !== undefined && this.rng.chance(0.7) ? this.hint : this.rng.pick(this.net.nodes());
    const op: InFlight = { cmd, call: this.q.now, node };
    this.current = op;
    this.net.submit(node, this.id, cmd);
    this.q.after(this.params.timeoutMs, () => this.onTimeout(op));
  }

  private randomInput(): KvInput {
    const p = this.params;
    const key = this.rng.pick(p.keys);
    const r = this.rng.next();
    if (r < p.readRatio) return { kind: 'get', key };
    const value = `${this.id}:${this.seq}`;
    if (r < p.readRatio + p.casRatio) {
      const expected = this.rng.chance(0.3) ? null : this.guessValue();
      return { kind: 'cas', key, expected, value };
    }
    return { kind: 'put', key, value };
  }

  private guessValue(): string | null {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const out = this.history[i]?.output;
      if (typeof out === 'string' && out !== 'ok') return out;
    }
    return null;
  }

  /** Handles a node's reply for `opId` (stale replies are ignored). */
  onReply(opId: string, reply: ClientReply): void {
    const op = this.current;
    if (op === undefined || op.cmd.opId !== opId) return;
    this.current = undefined;
    if (reply.ok) {
      this.history.push({
        clientId: this.id,
        input: op.cmd.input,
        output: reply.output,
        call: op.call,
        ret: this.q.now,
      });
      this.completed++;
      this.lastSuccessAt = this.q.now;
      this.hint = op.node;
    } else {
      this.hint = undefined;
    }
    this.q.after(this.rng.int(this.params.thinkMs) + 1, () => this.issue());
  }

  private onTimeout(op: InFlight): void {
    if (this.current !== op) return;
    this.current = undefined;
    this.hint = undefined;
    if (op.cmd.input.kind !== 'get') {
      this.history.push({
        clientId: this.id,
        input: op.cmd.input,
        output: undefined,
        call: op.call,
        ret: Infinity,
      });
    }
    this.issue();
  }
}
