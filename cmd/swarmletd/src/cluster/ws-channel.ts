import type { SessionChannel } from '@swarmlet/api-types';
import { WebSocket } from 'ws';

/** Frames the daemons exchange beside the agent protocol (never seen by agent or dispatcher). */
export type ControlFrame =
  | { type: 'hello'; leader: string; managers: string[] }
  | { type: 'role'; role: 'manager' | 'worker' };

function isControlFrame(m: { type?: unknown }): m is ControlFrame {
  return m.type === 'hello' || m.type === 'role';
}

/**
 * A session channel over one WebSocket: JSON text frames, one message each. Control frames go
 * to `onControl`; everything else to the single message consumer (buffered until it is set).
 * The dialing side pings every `keepaliveMs` and drops a connection that misses two pongs, so a
 * partitioned manager is noticed and the agent reconnects elsewhere.
 */
export class WsChannel<In, Out> implements SessionChannel<In, Out> {
  private handler: ((msg: In) => void) | undefined;
  private inbox: In[] = [];
  private closeHandlers: ((reason: string) => void)[] = [];
  private closed = false;
  private keepalive: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly onControl: (frame: ControlFrame) => void = () => undefined,
    keepaliveMs = 0,
  ) {
    ws.on('message', (data: Buffer) => this.receive(data));
    ws.on('close', (_code, reason) => this.closedBy(reason.toString() || 'connection closed'));
    ws.on('error', () => ws.terminate());
    if (keepaliveMs > 0) {
      let missed = 0;
      ws.on('pong', () => (missed = 0));
      this.keepalive = setInterval(() => {
        if (++missed > 2) {
          ws.terminate();
          return;
        }
        ws.ping();
      }, keepaliveMs);
    }
  }

  send(msg: Out): void {
    this.sendRaw(msg);
  }

  /** Sends a control frame (or any JSON value) beside the typed messages. */
  sendRaw(msg: unknown): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(msg));
  }

  onMessage(fn: (msg: In) => void): void {
    this.handler = fn;
    for (const m of this.inbox.splice(0)) fn(m);
  }

  onClose(fn: (reason: string) => void): void {
    this.closeHandlers.push(fn);
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.ws.close(1000, reason.slice(0, 120));
    this.closedBy(reason);
  }

  private receive(data: Buffer): void {
    if (this.closed) return;
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      this.ws.close(1007, 'invalid JSON');
      return;
    }
    if (msg === null || typeof msg !== 'object') return;
    if (isControlFrame(msg as { type?: unknown })) {
      this.onControl(msg as ControlFrame);
      return;
    }
    if (this.handler) this.handler(msg as In);
    else this.inbox.push(msg as In);
  }

  private closedBy(reason: string): void {
    clearInterval(this.keepalive);
    if (this.closed) return;
    this.closed = true;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, reason.slice(0, 120));
    for (const fn of this.closeHandlers.splice(0)) fn(reason);
  }
}
