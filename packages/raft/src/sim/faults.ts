import type { ConfChange } from '../types.js';
import { Figure8 } from './figure8.js';
import type { SimNode } from './sim-node.js';
import type { Simulation } from './simulation.js';
import { CALM } from './sim-network.js';

type Fault =
  | 'pause'
  | 'partition'
  | 'one-way'
  | 'isolate-leader'
  | 'heal'
  | 'crash'
  | 'fsync-fail'
  | 'conf-change'
  | 'transfer'
  | 'truncate-own-term'
  | 'figure8';

/**
 * Schedules random faults during the fault phase: partitions (symmetric,
 * one-way, leader isolation), crashes with restart, fsync failures, and —
 * when enabled — membership changes and leadership transfers.
 */
export class FaultInjector {
  private active = true;
  /** A scripted scenario owns the network; random faults pause meanwhile. */
  private scripted = false;
  private readonly menu: Fault[];

  constructor(private readonly sim: Simulation) {
    const m: Fault[] = [
      'partition',
      'one-way',
      'isolate-leader',
      'heal',
      'heal',
      'pause',
      'truncate-own-term',
    ];
    if (sim.cfg.crashes) m.push('crash', 'crash', 'fsync-fail');
    if (sim.cfg.membership) m.push('conf-change', 'conf-change', 'conf-change', 'transfer');
    if (sim.cfg.initialVoters === 5 && sim.cfg.crashes) m.push('figure8', 'figure8', 'figure8');
    this.menu = m;
  }

  /** Starts injecting; link faults apply from now on. */
  start(): void {
    this.sim.net.faults = this.sim.cfg.faults;
    this.scheduleNext();
  }

  /** Ends the fault phase: heals links, restarts crashed nodes, disarms fsync faults. */
  stopAndHeal(): void {
    this.active = false;
    const sim = this.sim;
    sim.net.faults = CALM;
    sim.net.truncateOwnTerm = false;
    sim.net.heal();
    sim.fsyncFailures.clear();
    for (const n of sim.nodes.values()) if (!n.up) n.start();
  }

  private scheduleNext(): void {
    const sim = this.sim;
    sim.q.after(sim.rng.next() * 2 * sim.cfg.faultEveryMs, () => {
      if (!this.active) return;
      this.inject(sim.rng.pick(this.menu));
      this.scheduleNext();
    });
  }

  private inject(f: Fault): void {
    const sim = this.sim;
    if (this.scripted) return;
    sim.trace(() => `fault ${f}`);
    switch (f) {
      case 'partition':
        return this.partition();
      case 'one-way': {
        const [a, b] = this.twoNodes();
        sim.net.cutOneWay(a, b);
        return sim.trace(() => `cut ${a} -> ${b}`);
      }
      case 'isolate-leader':
        return this.isolateLeader();
      case 'heal':
        return sim.net.heal();
      case 'pause':
        return sim.rng.pick([...sim.nodes.values()]).pause(50 + sim.rng.int(600));
      case 'figure8':
        this.scripted = true;
        return new Figure8(
          sim,
          () => this.active,
          () => (this.scripted = false),
        ).start();
      case 'truncate-own-term':
        return this.truncateOwnTerm();
      case 'crash':
        return this.crash(sim.rng.pick([...sim.nodes.values()]));
      case 'fsync-fail':
        return this.armFsyncFailure();
      case 'conf-change':
        return this.confChange();
      case 'transfer':
        return this.transfer();
    }
  }

  private truncateOwnTerm(): void {
    const sim = this.sim;
    sim.net.truncateOwnTerm = true;
    sim.q.after(50 + sim.rng.int(300), () => {
      sim.net.truncateOwnTerm = false;
    });
  }

  private twoNodes(): [string, string] {
    const ids = this.sim.cfg.nodeIds;
    const a = this.sim.rng.pick(ids);
    const rest = ids.filter((x) => x !== a);
    return [a, this.sim.rng.pick(rest)];
  }

  private partition(): void {
    const sim = this.sim;
    const ids = [...sim.cfg.nodeIds];
    const left: string[] = [];
    const right: string[] = [];
    for (const id of ids) (sim.rng.chance(0.5) ? left : right).push(id);
    sim.net.partition([left, right]);
    sim.trace(() => `partition [${left.join(',')}] | [${right.join(',')}]`);
  }

  private isolateLeader(): void {
    const l = this.sim.leader();
    if (l === undefined) return;
    const others = this.sim.cfg.nodeIds.filter((x) => x !== l.id);
    this.sim.net.partition([[l.id], others]);
  }

  private crash(n: SimNode): void {
    n.crash();
    const sim = this.sim;
    sim.q.after(20 + sim.rng.int(600), () => {
      if (!n.up) n.start();
    });
  }

  private armFsyncFailure(): void {
    const sim = this.sim;
    const n = sim.rng.pick([...sim.nodes.values()]);
    sim.fsyncFailures.add(n.id);
    // The node stops on its next fsync; bring it back later (as an operator would).
    sim.q.after(300 + sim.rng.int(400), () => {
      if (!n.up && this.active) n.start();
    });
  }

  private confChange(): void {
    const sim = this.sim;
    const l = sim.leader();
    if (l === undefined) return;
    const cs = l.core.status().confState;
    const spares = sim.cfg.nodeIds.filter(
      (id) => !cs.voters.includes(id) && !cs.learners.includes(id),
    );
    const choices: (() => void)[] = [];
    const propose = (cc: ConfChange): void =>
      l.admin((core) => {
        const res = core.proposeConfChange(cc);
        sim.trace(
          () =>
            `conf-change ${cc.type} ${cc.nodeId} at ${l.id}: ${res.ok ? 'proposed' : res.reason}`,
        );
      });
    if (spares.length > 0)
      choices.push(() => propose({ type: 'add-learner', nodeId: sim.rng.pick(spares) }));
    if (cs.learners.length > 0)
      choices.push(() => propose({ type: 'add-node', nodeId: sim.rng.pick(cs.learners) }));
    if (cs.voters.length > 3)
      choices.push(() => propose({ type: 'remove-node', nodeId: sim.rng.pick(cs.voters) }));
    if (cs.learners.length > 0)
      choices.push(() => propose({ type: 'remove-node', nodeId: sim.rng.pick(cs.learners) }));
    if (choices.length === 0) return;
    sim.rng.pick(choices)();
  }

  private transfer(): void {
    const sim = this.sim;
    const l = sim.leader();
    if (l === undefined) return;
    const voters = l.core.status().confState.voters.filter((v) => v !== l.id);
    if (voters.length === 0) return;
    const to = sim.rng.pick(voters);
    sim.trace(() => `transfer ${l.id} -> ${to}`);
    l.admin((core) => core.transferLeader(to));
  }
}
