import { parseArgs } from 'node:util';
import { FileStorage } from '../../storage/file-storage.js';
import { WsTransport } from '../../transport/ws-transport.js';
import { RaftNode } from '../raft-node.js';
import { createKvServer } from './http-api.js';
import { KvStateMachine } from './kv-state.js';

/**
 * Example KV server process: one Raft member with file storage, WebSocket
 * transport and an HTTP API, all on 127.0.0.1 by default.
 *
 *   node dist/node/kv-example/main.js --id a --data /tmp/a \
 *     --peers a=127.0.0.1:7001,b=127.0.0.1:7002 --http a=127.0.0.1:8001,b=127.0.0.1:8002
 *
 * Prints one JSON line `{"ready":true,...}` on stdout once serving; exits on SIGTERM/SIGINT.
 */
function parseMap(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',').filter(Boolean)) {
    const i = part.indexOf('=');
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

function port(addr: string | undefined, what: string): number {
  const p = Number(addr?.split(':').at(-1));
  if (!Number.isInteger(p) || p <= 0) throw new Error(`missing or bad ${what} address`);
  return p;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      id: { type: 'string' },
      data: { type: 'string' },
      peers: { type: 'string' },
      http: { type: 'string' },
      'tick-ms': { type: 'string', default: '100' },
      'election-tick': { type: 'string', default: '10' },
      'snapshot-every': { type: 'string', default: '10000' },
      'catch-up-entries': { type: 'string', default: '1000' },
    },
  });
  const id = values.id ?? '';
  const peers = parseMap(values.peers ?? '');
  const httpPeers = parseMap(values.http ?? '');
  if (id === '' || values.data === undefined) throw new Error('--id and --data are required');
  const storage = await FileStorage.open(values.data, {
    initialConf: { voters: Object.keys(peers), learners: [] },
  });
  const transport = new WsTransport({ id, host: '127.0.0.1', port: port(peers[id], 'raft') });
  const sm = new KvStateMachine();
  const node = new RaftNode<number>({
    id,
    peers,
    storage,
    transport,
    stateMachine: sm,
    tickMs: Number(values['tick-ms']),
    electionTick: Number(values['election-tick']),
    snapshotEvery: Number(values['snapshot-every']),
    catchUpEntries: Number(values['catch-up-entries']),
    onFatal: (err) => {
      console.error('raft node failed', err);
      process.exit(2);
    },
  });
  await node.start();
  const server = createKvServer({ node, sm, httpPeers, storageStats: storage.stats });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(port(httpPeers[id], 'http'), '127.0.0.1', r));
  console.log(JSON.stringify({ ready: true, id, pid: process.pid }));
  const shutdown = (): void => {
    server.close();
    void node
      .stop()
      .then(() => storage.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
