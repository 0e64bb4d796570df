import {
  SwarmletError,
  type LogEntry,
  type LogNotice,
  type LogRecord,
  type LogsRequest,
  type Node,
  type NodeNotice,
  type NodeVolume,
  type Task,
  type VolumeList,
  type VolumeRemoved,
  type VolumeRequest,
} from '@swarmlet/api-types';

type Line = Pick<LogRecord, 'stream' | 'timestamp' | 'text'>;

/**
 * The fake control API's logs and volumes: tests append task lines, set notices (a node that
 * does not answer) and volumes; reads behave like the manager's (tail per task, follow until
 * aborted, in-use volumes refused).
 */
export class FakeLogBook {
  readonly lines = new Map<string, Line[]>();
  /** Notices every stream carries after the lines it has. */
  readonly notices: LogNotice[] = [];
  readonly volumes: NodeVolume[] = [];
  readonly volumeNotices: NodeNotice[] = [];
  /** The last logs request (tests check what the CLI sent). */
  lastRequest: LogsRequest | undefined;
  private readonly wakers = new Set<() => void>();
  private clock = Date.parse('2026-01-01T00:00:00Z');

  append(taskId: string, text: string, stream: Line['stream'] = 'stdout'): void {
    this.clock += 1000;
    const timestamp = new Date(this.clock).toISOString().replace('Z', '000000Z');
    this.lines.set(taskId, [...(this.lines.get(taskId) ?? []), { stream, timestamp, text }]);
    for (const w of this.wakers) w();
  }

  async *stream(
    tasks: Task[],
    nodes: readonly Node[],
    req: LogsRequest,
    signal: AbortSignal,
  ): AsyncGenerator<LogEntry> {
    this.lastRequest = req;
    const seen = new Map<string, number>();
    for (const t of [...tasks].sort((a, b) => a.slot - b.slot)) {
      const all = this.lines.get(t.id) ?? [];
      seen.set(t.id, all.length);
      const from = req.tail === undefined ? 0 : Math.max(0, all.length - req.tail);
      for (const l of all.slice(from)) yield record(t, nodes, l);
    }
    yield* this.notices;
    while (req.follow && !signal.aborted) {
      await this.next(signal);
      for (const t of tasks) {
        const all = this.lines.get(t.id) ?? [];
        for (const l of all.slice(seen.get(t.id) ?? 0)) yield record(t, nodes, l);
        seen.set(t.id, all.length);
      }
    }
  }

  listVolumes(req: VolumeRequest, node: (ref: string) => Node): VolumeList {
    const id = req.node === undefined ? undefined : node(req.node).id;
    return {
      volumes: this.volumes.filter((v) => id === undefined || v.nodeId === id),
      notices: id === undefined ? this.volumeNotices : [],
    };
  }

  removeVolume(name: string, req: VolumeRequest, node: (ref: string) => Node): VolumeRemoved {
    const { volumes } = this.listVolumes(req, node);
    const holders = volumes.filter((v) => v.name === name);
    if (holders.length === 0) throw new SwarmletError('NOT_FOUND', `no such volume: ${name}`);
    const busy = holders.filter((v) => v.inUse).map((v) => v.nodeName);
    if (busy.length > 0) {
      throw new SwarmletError(
        'FAILED_PRECONDITION',
        `volume ${name} is in use on node ${busy.join(', ')} (nothing was removed)`,
      );
    }
    for (const h of holders) this.volumes.splice(this.volumes.indexOf(h), 1);
    return {
      nodes: holders.map((h) => ({ nodeId: h.nodeId, nodeName: h.nodeName })),
      notices: req.node === undefined ? this.volumeNotices : [],
    };
  }

  private next(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.wakers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wakers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

function record(t: Task, nodes: readonly Node[], l: Line): LogRecord {
  const nodeName = nodes.find((n) => n.id === t.nodeId)?.description.hostname ?? '';
  return {
    taskId: t.id,
    nodeId: t.nodeId,
    nodeName,
    serviceName: t.serviceName,
    slot: t.slot,
    ...l,
  };
}
