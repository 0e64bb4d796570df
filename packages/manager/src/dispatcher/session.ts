import type { AgentMessage, ManagerMessage, SessionChannel } from '@swarmlet/api-types';
import type { MemoryStore, WatchQueue } from '@swarmlet/store';
import type { Logger } from '@swarmlet/api-types';
import { assignmentChange, isAssignedTo } from './assignments.js';
import { computeNetMap } from './netmap.js';

/**
 * One agent's session on the leader: sends the full assignment set once, then increments per
 * commit, until the channel closes or the dispatcher stops.
 */
export class AgentSession {
  private events: WatchQueue | undefined;
  private lastNetMap = '';

  constructor(
    readonly sessionId: string,
    readonly nodeId: string,
    private readonly channel: SessionChannel<AgentMessage, ManagerMessage>,
    private readonly store: MemoryStore,
    private readonly log: Logger,
  ) {}

  /** Sends the full set and streams increments; resolves when the session ends. */
  async stream(): Promise<void> {
    const { result, events } = this.store.viewAndWatch(
      (tx) => tx.tasksOfNode(this.nodeId).filter((t) => isAssignedTo(t, this.nodeId)),
      { kinds: ['task', 'service', 'network', 'node'] },
    );
    this.events = events;
    // The data plane's view goes first, so a task's networks are known before it is prepared.
    this.sendNetMap();
    this.channel.send({
      type: 'assignments',
      full: true,
      changes: result.map((task) => ({ action: 'update', task })),
    });
    let changes: Extract<ManagerMessage, { type: 'assignments' }>['changes'] = [];
    let touched = false;
    try {
      for await (const ev of events) {
        if (ev.type === 'object') {
          touched = true;
          const change = assignmentChange(ev, this.nodeId);
          if (change) changes.push(change);
          continue;
        }
        // Commit boundary. The map goes before the assignments of the same commit: a task
        // being stopped has already left every node's balancing when its node hears of it.
        if (touched) this.sendNetMap();
        touched = false;
        if (changes.length > 0) {
          this.channel.send({ type: 'assignments', full: false, changes });
          changes = [];
        }
      }
    } catch (err) {
      this.log.warn({ err, nodeId: this.nodeId }, 'assignment stream failed; closing session');
      this.channel.close('assignment stream failed');
    }
  }

  /** Sends the node's data-plane view if it changed since the last one sent. */
  private sendNetMap(): void {
    const map = this.store.view((tx) =>
      computeNetMap(
        {
          networks: tx.find('network'),
          services: tx.find('service'),
          tasks: tx.find('task'),
          nodes: tx.find('node'),
        },
        this.nodeId,
      ),
    );
    const text = JSON.stringify(map);
    if (text === this.lastNetMap) return;
    this.lastNetMap = text;
    this.channel.send({ type: 'netmap', map });
  }

  close(reason: string): void {
    this.events?.close();
    this.channel.close(reason);
  }
}
