import type { SessionChannel } from '@swarmlet/api-types';

/**
 * Two connected in-process channel ends. Messages are delivered asynchronously and copied, like
 * a network would, so neither side can share or mutate the other's objects.
 */
export function channelPair<A, B>(): [SessionChannel<B, A>, SessionChannel<A, B>] {
  const left = new End<B, A>();
  const right = new End<A, B>();
  left.peer = right;
  right.peer = left;
  return [left, right];
}

class End<In, Out> implements SessionChannel<In, Out> {
  peer: End<Out, In> | undefined;
  private handler: ((msg: In) => void) | undefined;
  private closeHandlers: ((reason: string) => void)[] = [];
  private inbox: In[] = [];
  private closed = false;

  send(msg: Out): void {
    if (this.closed) return;
    const copy = structuredClone(msg);
    const peer = this.peer;
    setImmediate(() => peer?.deliver(copy));
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
    this.closed = true;
    for (const fn of this.closeHandlers) fn(reason);
    this.peer?.close(reason);
  }

  private deliver(msg: In): void {
    if (this.closed) return;
    if (this.handler) this.handler(msg);
    else this.inbox.push(msg);
  }
}
