import { kvModel } from '../check/kv-model.js';
import { checkOperations } from '../check/linearizability.js';
import type { Message } from '../types.js';
import { SimClient } from './client.js';
import type { ClientReply, SimEnv } from './env.js';
import { EventQueue } from './event-queue.js';
import { FaultInjector } from './faults.js';
import { SafetyMonitor, SafetyViolation, checkLogMatching, type LogView } from './monitor.js';
import type { SimConfig } from './options.js';
import { Prng } from './prng.js';
import { SimNetwork } from './sim-network.js';
import { SimNode } from './sim-node.js';

/** A run is stopped (and fails) past this many events: ~10x a normal run's. */
const MAX_EVENTS = 1_000_000;

/** Outcome of one run. `trace` is filled only when tracing was on. */
export interface SimResult {
  seed: number;
  ok: boolean;
  error?: string;
  trace: string[];
  stats: { ops: number; leaderChanges: number; messages: number; maxCommit: number; lin: string };
}

/**
 * A whole cluster on a virtual clock: servers, network, clients and the
 * fault injector, all driven by one seeded PRNG, so a seed replays exactly.
 * Phases: faults for `faultMs`, then heal everything and require progress
 * within `settleMs`, then stop clients, drain, and check every invariant.
 */
export class Simulation implements SimEnv {
  readonly q = new EventQueue();
  readonly rng: Prng;
  readonly observer = new SafetyMonitor();
  readonly nodes = new Map<string, SimNode>();
  readonly clients = new Map<string, SimClient>();
  readonly net: SimNetwork;
  readonly fsyncFailures = new Set<string>();
  readonly lines: string[] = [];

  constructor(
    readonly cfg: SimConfig,
    private readonly tracing: boolean,
  ) {
    this.rng = new Prng(cfg.seed);
    this.net = new SimNetwork(
      this.q,
      this.rng,
      (m) => this.nodes.get(m.to)?.deliver(m),
      (l) => this.trace(l),
      (m) => this.nodes.get(m.to)?.hasEntry(m.index, m.logTerm) ?? false,
    );
    const conf = { voters: cfg.nodeIds.slice(0, cfg.initialVoters), learners: [] };
    for (const id of cfg.nodeIds) this.nodes.set(id, new SimNode(id, conf, cfg.node, this));
    for (let i = 0; i < cfg.clients; i++) this.addClient(`c${i + 1}`);
  }

  private addClient(id: string): void {
    const transport = {
      submit: (node: string, clientId: string, cmd: Parameters<SimNode['submitWrite']>[1]) =>
        this.q.after(1 + this.rng.next(), () => {
          const n = this.nodes.get(node);
          if (cmd.input.kind === 'get') n?.submitRead(clientId, cmd);
          else n?.submitWrite(clientId, cmd);
        }),
      nodes: () => this.members(),
    };
    this.clients.set(id, new SimClient(id, this.q, this.rng, this.cfg.client, transport));
  }

  /** @inheritDoc */
  send(m: Message): void {
    this.net.send(m);
  }

  /** @inheritDoc */
  reply(clientId: string, opId: string, r: ClientReply): void {
    this.q.after(1 + this.rng.next(), () => this.clients.get(clientId)?.onReply(opId, r));
  }

  /** @inheritDoc */
  trace(line: () => string): void {
    if (this.tracing) this.lines.push(`${this.q.now.toFixed(2).padStart(9)} ${line()}`);
  }

  /** @inheritDoc */
  fsyncFails(node: string): boolean {
    return this.fsyncFailures.delete(node);
  }

  /** Runs all phases and checks; never throws (failures are in the result). */
  run(): SimResult {
    try {
      this.execute();
      return this.result(true);
    } catch (e) {
      const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      this.trace(() => `FAILED ${msg}`);
      return this.result(false, msg);
    }
  }

  private execute(): void {
    const { faultMs, settleMs } = this.cfg;
    for (const n of this.nodes.values()) n.start();
    for (const c of this.clients.values()) c.start();
    const faults = new FaultInjector(this);
    faults.start();
    this.q.runUntil(faultMs, MAX_EVENTS);
    faults.stopAndHeal();
    this.trace(() => 'healed: no more faults');
    this.q.runUntil(faultMs + settleMs, MAX_EVENTS);
    this.checkLiveness(faultMs);
    for (const c of this.clients.values()) c.stop();
    this.q.runUntil(faultMs + settleMs + 1000, MAX_EVENTS);
    this.checkConvergence();
    checkLogMatching([...this.nodes.values()].map(logView));
    this.checkLinearizable();
  }

  private checkLiveness(healedAt: number): void {
    if (this.leader() === undefined)
      throw new SafetyViolation(`liveness: no leader ${this.cfg.settleMs} ms after healing`);
    for (const c of this.clients.values()) {
      if (c.lastSuccessAt < healedAt) {
        throw new SafetyViolation(
          `liveness: client ${c.id} completed nothing in ${this.cfg.settleMs} ms after healing`,
        );
      }
    }
  }

  private checkConvergence(): void {
    const leader = this.leader();
    if (leader === undefined)
      throw new SafetyViolation('liveness: leader lost after clients stopped');
    const st = leader.core.status();
    const members = [...st.confState.voters, ...st.confState.learners];
    for (const id of members) {
      const n = this.nodes.get(id);
      const applied = n?.core.status().applied;
      if (applied !== st.hardState.commit) {
        throw new SafetyViolation(
          `liveness: ${id} applied ${applied} but leader ${leader.id} committed ${st.hardState.commit}`,
        );
      }
    }
  }

  private checkLinearizable(): void {
    const history = [...this.clients.values()].flatMap((c) => c.history);
    const res = checkOperations(kvModel, history, { maxSteps: 300_000 });
    this.linResult = res.result;
    if (res.result !== 'illegal') return;
    const ops = res.partition.map((op) => kvModel.describe?.(op) ?? '').join('\n  ');
    throw new SafetyViolation(`linearizability: history not linearizable:\n  ${ops}`);
  }

  private linResult = 'not-run';

  /**
   * Servers a client may contact: the members in the current leader's view
   * (clients keep a member list; a removed server may keep running but can
   * never answer, since it no longer receives the log), else all servers.
   */
  members(): string[] {
    const cs = this.leader()?.core.confState();
    const ids = cs === undefined ? [] : [...cs.voters, ...cs.learners];
    return ids.length > 0 ? ids : this.cfg.nodeIds;
  }

  /** The current leader with the highest term among live nodes, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const n of this.nodes.values()) {
      if (!n.up) continue;
      const st = n.core.status();
      if (st.softState.role === 'leader' && st.hardState.term > bestTerm) {
        best = n;
        bestTerm = st.hardState.term;
      }
    }
    return best;
  }

  private result(ok: boolean, error?: string): SimResult {
    const ops = [...this.clients.values()].reduce((s, c) => s + c.completed, 0);
    const r: SimResult = {
      seed: this.cfg.seed,
      ok,
      trace: this.lines,
      stats: {
        ops,
        leaderChanges: this.observer.leaderChanges,
        messages: this.net.sent,
        maxCommit: this.observer.highestApplied(),
        lin: this.linResult,
      },
    };
    if (error !== undefined) r.error = error;
    return r;
  }
}

function logView(n: SimNode): LogView {
  const mem = n.mem;
  return {
    id: n.id,
    first: mem.firstIndex(),
    last: mem.lastIndex(),
    entry: (i) =>
      i >= mem.firstIndex() && i <= mem.lastIndex() ? mem.entries(i, i + 1)[0] : undefined,
  };
}
