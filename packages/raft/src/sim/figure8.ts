import { encodeCommand } from './kv.js';
import type { Simulation } from './simulation.js';

/**
 * A scripted Figure 8 (Raft paper §5.4.2) on a 5-server cluster, driven by
 * partitions and crashes: (a) leader L1 replicates only to X, then crashes;
 * (b) L2 is elected by the other three and cut off the moment it wins, so
 * its entries stay local; (c) a third leader is elected among L1, X and the
 * rest while MsgApp batches lose their own-term suffix, so the old entries
 * reach a majority without its no-op; (d) that leader is cut off and L2
 * returns. A core that commits old-term entries by counting replicas lets
 * L2 overwrite an applied entry here; a correct one cannot.
 */
export class Figure8 {
  private done = false;
  private seq = 0;

  constructor(
    private readonly sim: Simulation,
    /** False once the fault phase is over: the script then stops touching the network. */
    private readonly active: () => boolean,
    /** Called once when the script ends (or gives up), so other faults may resume. */
    private readonly onDone: () => void,
  ) {}

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.onDone();
  }

  /** Starts the script if a leader exists and all five servers are voters. */
  start(): void {
    const sim = this.sim;
    const l1 = sim.leader();
    if (l1 === undefined || l1.core.confState().voters.length !== 5) return this.finish();
    const others = l1.core.confState().voters.filter((id) => id !== l1.id);
    const x = sim.rng.pick(others);
    const rest = others.filter((id) => id !== x);
    sim.trace(() => `figure8: (a) ${l1.id} with ${x} only`);
    sim.net.heal();
    sim.net.partition([[l1.id, x], rest]);
    // Writes that only L1 and X will hold (a client session of its own per script).
    for (let i = 0; i < 2; i++) {
      const client = `fig8@${sim.q.now.toFixed(3)}`;
      const seq = this.seq++;
      const input = { kind: 'put' as const, key: 'fig8', value: `${client}.${seq}` };
      const cmd = { opId: `${client}.${seq}`, client, seq, input };
      l1.admin((core) => core.propose(encodeCommand(cmd)));
    }
    sim.q.after(60, () => {
      if (!this.active()) return this.finish();
      l1.crash();
      sim.net.heal();
      sim.net.partition([[l1.id], [x], rest]);
      sim.trace(() => `figure8: (b) ${l1.id} crashed, electing among ${rest.join(',')}`);
      this.cutNextLeader(l1.core.status().hardState.term, rest, () => this.stepC(l1.id, x, rest));
    });
  }

  /** Polls for a leader newer than `term` among `ids`; isolates it at once, then runs `next`. */
  private cutNextLeader(term: number, ids: string[], next: (leader: string) => void): void {
    this.whenLeader(term, ids, (id, t) => {
      const sim = this.sim;
      sim.net.partition([[id], sim.cfg.nodeIds.filter((x) => x !== id)]);
      sim.trace(() => `figure8: cut off new leader ${id} (term ${t})`);
      next(id);
    });
  }

  /** Polls every 0.5 ms (up to 1 s) for a leader newer than `term` among `ids`. */
  private whenLeader(term: number, ids: string[], found: (id: string, term: number) => void): void {
    const sim = this.sim;
    let waited = 0;
    const poll = (): void => {
      if (this.done) return;
      if (!this.active()) return this.finish();
      const l = sim.leader();
      const t = l?.core.status().hardState.term ?? 0;
      if (l !== undefined && t > term && ids.includes(l.id)) return found(l.id, t);
      waited += 0.5;
      if (waited < 1000) sim.q.after(0.5, poll);
      else this.finish();
    };
    poll();
  }

  private stepC(l1: string, x: string, rest: string[]): void {
    const sim = this.sim;
    const l2 = sim.leader()?.id;
    if (l2 === undefined) return this.finish();
    sim.q.after(40, () => {
      if (!this.active()) return this.finish();
      sim.nodes.get(l1)?.start();
      sim.net.heal();
      // Only L1 or X can win in {L1, X, R1}: R1's log is shorter.
      const [r1, ...others] = rest.filter((id) => id !== l2);
      sim.net.partition([[l2], [l1, x, ...(r1 === undefined ? [] : [r1])], others]);
      sim.net.truncateOwnTerm = true;
      sim.trace(() => `figure8: (c) ${l2} cut off; old entries travel without the new no-op`);
      const t2 = sim.nodes.get(l2)?.core.status().hardState.term ?? 0;
      this.whenLeader(t2, [l1, x], () => sim.q.after(150, () => this.stepD(l2)));
    });
  }

  private stepD(l2: string): void {
    const sim = this.sim;
    if (!this.active()) return this.finish();
    const l3 = sim.leader();
    sim.net.truncateOwnTerm = false;
    sim.net.heal();
    if (l3 !== undefined && l3.id !== l2)
      sim.net.partition([[l3.id], sim.cfg.nodeIds.filter((id) => id !== l3.id)]);
    sim.trace(() => `figure8: (d) ${l3?.id ?? 'nobody'} cut off, ${l2} may return`);
    // Leave the stage to L2 for a while before other faults resume.
    sim.q.after(400, () => this.finish());
  }
}
