import type { AgentMessage, Logger, ManagerMessage, SessionChannel } from '@swarmlet/api-types';
import { checkServerIsManager } from './tls-check.js';
import type { TlsMaterial } from '@swarmlet/ca';
import { WebSocket, type ClientOptions } from 'ws';
import { WsChannel, type ControlFrame } from './ws-channel.js';

/** Path of the agent session WebSocket on the cluster port. */
export const SESSION_PATH = '/session';
/** Header with which a non-leader manager points a dialer at the leader. */
export const LEADER_HEADER = 'x-swarmlet-leader-addr';

export interface DialOptions {
  /** Manager addresses to try, best first (the last known leader first). */
  addrs: () => string[];
  tls: () => TlsMaterial;
  onControl: (frame: ControlFrame) => void;
  log: Logger;
  /** WebSocket ping period; a connection missing two pongs is dropped (default 2 s). */
  keepaliveMs?: number;
}

type Attempt =
  { channel: WsChannel<ManagerMessage, AgentMessage> } | { redirect: string } | { error: string };

/**
 * Opens the agent's session with the leader. Every known manager is dialed at once and the first
 * that accepts wins (a dead manager's address costs nothing but its timeout in the background);
 * one that is not the leader answers 307 with the leader's address, which is dialed next (at
 * most 3 hops). Losing attempts are closed.
 */
export async function dialSession(
  o: DialOptions,
): Promise<SessionChannel<ManagerMessage, AgentMessage>> {
  const errors: string[] = [];
  const tried = new Set<string>();
  const dial = async (
    addr: string,
    hops: number,
  ): Promise<WsChannel<ManagerMessage, AgentMessage>> => {
    tried.add(addr);
    const r = await attempt(addr, o);
    if ('channel' in r) return r.channel;
    if ('redirect' in r && hops < 3 && !tried.has(r.redirect)) return dial(r.redirect, hops + 1);
    const why = 'error' in r ? r.error : `redirected to ${r.redirect} again`;
    errors.push(`${addr}: ${why}`);
    throw new Error(why);
  };
  const addrs = [...new Set(o.addrs())];
  if (addrs.length === 0) throw new Error('no manager address known');
  const attempts = addrs.map((a) => dial(a, 0));
  try {
    const winner = await Promise.any(attempts);
    // Close the channels of attempts that also succeeded.
    for (const p of attempts) {
      void p.then(
        (c) => c !== winner && c.close('another manager answered first'),
        () => undefined,
      );
    }
    return winner;
  } catch {
    throw new Error(`no manager reachable (${errors.join('; ')})`);
  }
}

function attempt(addr: string, o: DialOptions): Promise<Attempt> {
  return new Promise((resolve) => {
    // ws types `checkServerIdentity` for its own callback; node:https takes the tls one.
    const opts = {
      ...o.tls(),
      checkServerIdentity: checkServerIsManager,
      handshakeTimeout: 3_000,
      perMessageDeflate: false,
    } as unknown as ClientOptions;
    const ws = new WebSocket(`wss://${addr}${SESSION_PATH}`, opts);
    let settled = false;
    const settle = (r: Attempt): void => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    ws.on('unexpected-response', (_req, res) => {
      const leader = res.headers[LEADER_HEADER];
      ws.terminate();
      if (res.statusCode === 307 && typeof leader === 'string' && leader !== '') {
        settle({ redirect: leader });
      } else settle({ error: `HTTP ${res.statusCode ?? 0}` });
    });
    ws.on('error', (err) => settle({ error: err.message }));
    ws.on('open', () => {
      const channel = new WsChannel<ManagerMessage, AgentMessage>(
        ws,
        o.onControl,
        o.keepaliveMs ?? 2_000,
      );
      o.log.debug({ addr }, 'session connected');
      settle({ channel });
    });
  });
}
