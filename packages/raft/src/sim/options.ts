import type { ClientParams } from './client.js';
import type { NodeParams } from './env.js';
import { Prng } from './prng.js';
import type { LinkFaults } from './sim-network.js';

/** Everything that defines one simulation run; derived from a seed by `configForSeed`. */
export interface SimConfig {
  seed: number;
  /** Server ids; the first `initialVoters` start as voters, the rest as spares. */
  nodeIds: string[];
  initialVoters: number;
  clients: number;
  /** Virtual ms of the fault phase, then everything heals. */
  faultMs: number;
  /** Virtual ms after healing within which the cluster must make progress (liveness bound). */
  settleMs: number;
  /** Mean virtual ms between injected fault events. */
  faultEveryMs: number;
  /** Link behaviour during the fault phase. */
  faults: LinkFaults;
  /** Inject crashes and fsync failures. */
  crashes: boolean;
  /** Inject membership changes and leadership transfers. */
  membership: boolean;
  node: NodeParams;
  client: ClientParams;
}

/** Optional overrides, e.g. a longer run for soak tests. */
export type SimOverrides = Partial<Omit<SimConfig, 'seed' | 'node' | 'client'>> & {
  node?: Partial<NodeParams>;
  client?: Partial<ClientParams>;
};

/**
 * Derives a run's configuration from its seed, so the seed alone replays the
 * run. Sizes, fault rates and Raft options vary per seed to spread coverage.
 */
export function configForSeed(seed: number, over: SimOverrides = {}): SimConfig {
  const r = new Prng(seed ^ 0x5eed);
  const total = r.pick([3, 3, 4, 5, 5]);
  const initialVoters = total === 5 && r.chance(0.5) ? 5 : 3;
  const preVote = r.chance(0.8);
  const checkQuorum = r.chance(0.8);
  const node: NodeParams = {
    tickMs: 10,
    fsyncMs: r.pick([0.2, 0.5, 2]),
    electionTick: 10,
    heartbeatTick: r.pick([1, 2, 3]),
    preVote,
    checkQuorum,
    maxSizePerMsg: r.pick([64, 512, 4096]),
    maxInflightMsgs: r.pick([1, 4, 256]),
    snapshotChunkSize: r.pick([32, 128, 4096]),
    compactEvery: r.pick([8, 20, 1000]),
    ...over.node,
  };
  const client: ClientParams = {
    keys: r.chance(0.5) ? ['x'] : ['x', 'y', 'z'],
    timeoutMs: 400,
    thinkMs: 20,
    casRatio: r.pick([0, 0.2]),
    readRatio: r.pick([0.3, 0.5]),
    ...over.client,
  };
  node.earlyLeaderSends = over.node?.earlyLeaderSends ?? r.chance(0.5);
  const { node: _n, client: _c, ...rest } = over;
  return {
    seed,
    nodeIds: Array.from({ length: total }, (_, i) => `n${i + 1}`),
    initialVoters,
    clients: r.pick([2, 3]),
    faultMs: 1500,
    settleMs: 2500,
    faultEveryMs: r.pick([60, 150, 300]),
    faults: {
      loss: r.pick([0, 0.02, 0.1]),
      duplicate: r.pick([0, 0.02, 0.1]),
      minDelayMs: 1,
      maxDelayMs: r.pick([3, 10, 30]),
      straggle: r.pick([0, 0.01, 0.05]),
    },
    crashes: r.chance(0.7),
    // Without pre-vote or check-quorum a removed server can keep disrupting the
    // cluster (thesis §4.2.3); only then are membership changes left out.
    membership: (preVote || checkQuorum) && r.chance(0.6),
    node,
    client,
    ...rest,
  };
}
