import type {
  AgentMessage,
  Logger,
  ManagerMessage,
  ManagerRequest,
  SessionChannel,
  SessionLogLine,
} from '@swarmlet/api-types';
import type { Executor } from './executor.js';

/** Lines per `logs-data` message at most (a big backlog goes out in several). */
export const LOG_CHUNK_LINES = 500;

type Channel = SessionChannel<ManagerMessage, AgentMessage>;

/**
 * Serves the leader's requests on one agent (`service logs`, `volume ls/rm`) through the
 * optional executor methods; an executor without one answers a clear error. Log readers run
 * until they end, the manager cancels them, or the session closes (`closeAll`).
 */
export class RequestServer {
  private readonly readers = new Map<string, AbortController>();

  constructor(
    private readonly executor: Executor,
    private readonly nodeId: string,
    private readonly log: Logger,
  ) {}

  handle(channel: Channel, msg: ManagerRequest): void {
    switch (msg.type) {
      case 'logs':
        void this.serveLogs(channel, msg.requestId, msg.taskId, msg.options);
        return;
      case 'logs-cancel':
        this.readers.get(msg.requestId)?.abort(new Error('cancelled by the manager'));
        return;
      case 'volumes':
        void this.serveVolumes(channel, msg);
        return;
    }
  }

  /** Stops every log reader (the session is gone: nobody reads their lines any more). */
  closeAll(): void {
    for (const ac of this.readers.values()) ac.abort(new Error('session closed'));
    this.readers.clear();
  }

  /** Number of log readers running (tests). */
  get activeReaders(): number {
    return this.readers.size;
  }

  private async serveLogs(
    channel: Channel,
    requestId: string,
    taskId: string,
    options: Extract<ManagerRequest, { type: 'logs' }>['options'],
  ): Promise<void> {
    const logs = this.executor.logs?.bind(this.executor);
    if (!logs) {
      channel.send({ type: 'logs-end', requestId, error: this.unsupported('read logs') });
      return;
    }
    const ac = new AbortController();
    this.readers.set(requestId, ac);
    // The first answer says "reading": the manager stops waiting for the node to answer.
    channel.send({ type: 'logs-data', requestId, lines: [] });
    const batch = new LineBatch((lines) => channel.send({ type: 'logs-data', requestId, lines }));
    let error: string | undefined;
    try {
      for await (const line of logs(taskId, options, ac.signal)) {
        if (ac.signal.aborted) break;
        batch.add({ stream: line.stream, timestamp: line.timestamp, text: line.text });
      }
    } catch (err) {
      if (!ac.signal.aborted) error = (err as Error).message;
    } finally {
      this.readers.delete(requestId);
      batch.flush();
    }
    if (error) this.log.warn({ taskId, error }, 'reading task logs failed');
    channel.send({ type: 'logs-end', requestId, ...(error === undefined ? {} : { error }) });
  }

  private async serveVolumes(
    channel: Channel,
    msg: Extract<ManagerRequest, { type: 'volumes' }>,
  ): Promise<void> {
    const { requestId } = msg;
    try {
      if (msg.op === 'list') {
        if (!this.executor.listVolumes) throw new Error(this.unsupported('list volumes'));
        const volumes = await this.executor.listVolumes();
        channel.send({ type: 'volumes-result', requestId, volumes });
        return;
      }
      if (!this.executor.removeVolume) throw new Error(this.unsupported('remove volumes'));
      await this.executor.removeVolume(msg.name);
      channel.send({ type: 'volumes-result', requestId });
    } catch (err) {
      channel.send({ type: 'volumes-result', requestId, error: (err as Error).message });
    }
  }

  private unsupported(what: string): string {
    return `node ${this.nodeId}: this node's executor cannot ${what}`;
  }
}

/**
 * Collects lines read in one turn of the event loop into one message (a backlog is read in a
 * burst; a followed container trickles), at most `LOG_CHUNK_LINES` per message.
 */
class LineBatch {
  private lines: SessionLogLine[] = [];
  private scheduled = false;

  constructor(private readonly send: (lines: SessionLogLine[]) => void) {}

  add(line: SessionLogLine): void {
    this.lines.push(line);
    if (this.lines.length >= LOG_CHUNK_LINES) return this.flush();
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    const lines = this.lines;
    this.lines = [];
    this.send(lines);
  }
}
