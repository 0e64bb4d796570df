import type { AgentMessage, ManagerMessage, SessionChannel } from '@swarmlet/api-types';
import type { MemoryStore, WatchQueue } from '@swarmlet/store';
import type { Logger } from '@swarmlet/api-types';
import { assignmentChange, isAssignedTo } from './assignments.js';

/**
 * One agent's session on the leader: sends the full assignment set once, then increments per
 * commit, until the channel closes or the dispatcher stops.
 */
export class AgentSession {
  private events: WatchQueue | undefined;

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
      { kinds: ['task'] },
    );
    this.events = events;
    this.channel.send({
      type: 'assignments',
      full: true,
      changes: result.map((task) => ({ action: 'update', task })),
    });
    let changes: Extract<ManagerMessage, { type: 'assignments' }>['changes'] = [];
    try {
      for await (const ev of events) {
        if (ev.type === 'object') {
          const change = assignmentChange(ev, this.nodeId);
          if (change) changes.push(change);
        } else if (changes.length > 0) {
          this.channel.send({ type: 'assignments', full: false, changes });
          changes = [];
        }
      }
    } catch (err) {
      this.log.warn({ err, nodeId: this.nodeId }, 'assignment stream failed; closing session');
      this.channel.close('assignment stream failed');
    }
  }

  close(reason: string): void {
    this.events?.close();
    this.channel.close(reason);
  }
}
