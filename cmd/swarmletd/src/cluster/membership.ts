import type { Logger, Node } from '@swarmlet/api-types';
import type { ApplyOutcome } from '@swarmlet/manager';
import type { RaftNode } from '@swarmlet/raft';
import type { MemoryStore } from '@swarmlet/store';

export interface MembershipDeps {
  selfId: string;
  raft: RaftNode<ApplyOutcome>;
  store: MemoryStore;
  log: Logger;
  /**
   * When each peer was last seen active, kept across passes: Raft clears `recentActive` at every
   * check-quorum round, so one sample would flap; a peer counts as reachable for `graceMs` after.
   */
  lastActive: Map<string, number>;
  graceMs: number;
  now?: () => number;
}

type ManagerStatus = NonNullable<Node['managerStatus']>;

/**
 * The leader's membership loop, one pass (every second): keeps each manager node's
 * `managerStatus` (leader, reachability, address) in the store in line with Raft; removes from
 * Raft members whose node was demoted or removed (handing leadership away first when that is
 * the leader itself); promotes learners that caught up to voters. At most one membership change
 * per pass, as single-server changes must not overlap.
 */
export async function reconcileMembership(d: MembershipDeps): Promise<void> {
  const { raft, store, selfId } = d;
  const status = raft.status();
  const conf = status.confState;
  const progress = status.progress ?? {};
  const members = [...conf.voters, ...conf.learners];
  const now = (d.now ?? Date.now)();
  for (const [id, pr] of Object.entries(progress)) if (pr.recentActive) d.lastActive.set(id, now);
  const active = (id: string): boolean => now - (d.lastActive.get(id) ?? -Infinity) < d.graceMs;
  const nodes = store.view((tx) => tx.find('node'));
  const byId = new Map(nodes.map((n) => [n.id, n]));

  const wanted = new Map<string, ManagerStatus | undefined>();
  for (const n of nodes) {
    const ms: ManagerStatus | undefined = members.includes(n.id)
      ? {
          leader: n.id === selfId,
          // A learner is still catching up: it does not count for quorum yet.
          reachability: conf.learners.includes(n.id)
            ? 'joining'
            : n.id === selfId || active(n.id)
              ? 'reachable'
              : 'unreachable',
          addr: raft.peerAddr(n.id),
        }
      : undefined;
    if (!sameStatus(ms, n.managerStatus)) wanted.set(n.id, ms);
  }
  if (wanted.size > 0) {
    await store.batch((b) => {
      for (const [id, ms] of wanted) {
        b.update((tx) => {
          const cur = tx.get('node', id);
          if (!cur) return;
          const { managerStatus: _old, ...rest } = cur;
          tx.update('node', ms ? { ...rest, managerStatus: ms } : rest);
        });
      }
    });
  }

  for (const id of members) {
    const n = byId.get(id);
    if (n && n.spec.role === 'manager') continue;
    if (id === selfId) {
      const next = conf.voters.find((v) => v !== selfId && active(v));
      if (next) {
        d.log.info({ to: next }, 'this leader was demoted: transferring leadership');
        raft.transferLeader(next);
      }
      return;
    }
    d.log.info({ nodeId: id }, 'removing demoted or removed manager from raft');
    await raft.removeNode(id);
    return;
  }

  for (const id of conf.learners) {
    const n = byId.get(id);
    const pr = progress[id];
    if (!n || n.spec.role !== 'manager' || !pr || pr.match < status.hardState.commit) continue;
    d.log.info({ nodeId: id }, 'promoting caught-up learner to voter');
    await raft.addVoter(id, raft.peerAddr(id));
    return;
  }
}

function sameStatus(a: ManagerStatus | undefined, b: ManagerStatus | undefined): boolean {
  if (!a || !b) return a === b;
  return a.leader === b.leader && a.reachability === b.reachability && a.addr === b.addr;
}
