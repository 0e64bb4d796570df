import {
  isTerminalState,
  registryOf,
  type AgentMessage,
  type RegistryCredential,
  type AssignmentChange,
  type Logger,
  type ManagerMessage,
  type ManagerRequest,
  type SessionChannel,
  type Task,
} from '@swarmlet/api-types';
import type { MemoryStore, ReadTx, WatchQueue } from '@swarmlet/store';
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
      { kinds: ['task', 'service', 'network', 'node', 'config'] },
    );
    this.events = events;
    // The data plane's view goes first, so a task's networks are known before it is prepared.
    this.sendNetMap();
    this.channel.send({
      type: 'assignments',
      full: true,
      changes: this.store.view((tx) => result.map((task) => withFiles(tx, task))),
    });
    let changes: Extract<ManagerMessage, { type: 'assignments' }>['changes'] = [];
    let touched = false;
    const configs = new Map<string, string>();
    try {
      for await (const ev of events) {
        if (ev.type === 'object') {
          if (ev.kind === 'config') {
            if (ev.op === 'update') configs.set(ev.object.id, ev.object.spec.data);
            continue;
          }
          touched = true;
          const change = assignmentChange(ev, this.nodeId);
          if (change) changes.push(change);
          continue;
        }
        if (configs.size > 0) this.sendConfigs(configs);
        // Commit boundary. The map goes before the assignments of the same commit: a task
        // being stopped has already left every node's balancing when its node hears of it.
        if (touched) this.sendNetMap();
        touched = false;
        if (changes.length > 0) {
          changes = this.store.view((tx) =>
            changes.map((c) => (c.action === 'update' ? withFiles(tx, c.task) : c)),
          );
          this.channel.send({ type: 'assignments', full: false, changes });
          changes = [];
        }
      }
    } catch (err) {
      this.log.warn({ err, nodeId: this.nodeId }, 'assignment stream failed; closing session');
      this.channel.close('assignment stream failed');
    }
  }

  /** New config values, to this node only if one of its live tasks mounts them. */
  private sendConfigs(updated: Map<string, string>): void {
    const used = this.store.view((tx) =>
      tx
        .tasksOfNode(this.nodeId)
        .filter((t) => isAssignedTo(t, this.nodeId) && !isTerminalState(t.status.state))
        .flatMap((t) => t.spec.configs?.filter((c) => !c.restart).map((c) => c.id) ?? []),
    );
    const payload = [...updated]
      .filter(([id]) => used.includes(id))
      .map(([id, data]) => ({ id, data }));
    updated.clear();
    if (payload.length > 0) this.channel.send({ type: 'configs', configs: payload });
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

  /** Sends a request of the leader's (logs, volumes) on this session. */
  request(msg: ManagerRequest): void {
    this.channel.send(msg);
  }

  close(reason: string): void {
    this.events?.close();
    this.channel.close(reason);
  }
}

/**
 * An assignment with the data of the secrets and configs the task mounts, read at send time:
 * this is the only way secret data leaves the managers, and only to the task's node.
 */
function withFiles(tx: ReadTx, task: Task): AssignmentChange {
  const secrets = (task.spec.secrets ?? []).flatMap((r) => {
    const s = tx.get('secret', r.id);
    return s ? [{ id: s.id, data: s.spec.data }] : [];
  });
  const configs = (task.spec.configs ?? []).flatMap((r) => {
    const c = tx.get('config', r.id);
    return c ? [{ id: c.id, data: c.spec.data }] : [];
  });
  const registryAuth = registryCredential(tx, task.spec.container.image);
  if (secrets.length + configs.length === 0 && !registryAuth) return { action: 'update', task };
  return {
    action: 'update',
    task,
    files: { secrets, configs, ...(registryAuth ? { registryAuth } : {}) },
  };
}

/** The `registry` secret for the server the image is pulled from, if one was stored. */
function registryCredential(tx: ReadTx, image: string): RegistryCredential | undefined {
  const server = registryOf(image);
  const s = tx.find(
    'secret',
    (x) => x.spec.type === 'registry' && x.registry?.server === server,
  )[0];
  if (!s) return undefined;
  try {
    return JSON.parse(Buffer.from(s.spec.data, 'base64').toString('utf8')) as RegistryCredential;
  } catch {
    return undefined;
  }
}
