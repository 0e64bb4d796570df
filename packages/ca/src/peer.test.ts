import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerIdentity } from './peer.js';
import { createRootCA, type RootCA } from './root-ca.js';
import { certifiedNode, type TestNode } from './test-fixtures.js';
import { tlsMaterial } from './tls-material.js';

/** What one client connection saw: the server's JSON reply about it, or the error that ended it. */
interface Outcome {
  reply: string;
  error: Error | undefined;
}

let ca: RootCA;
let manager: TestNode;
let worker: TestNode;
let stranger: TestNode;
const servers: tls.Server[] = [];

beforeAll(async () => {
  const otherCa = await createRootCA();
  ca = await createRootCA();
  [manager, worker, stranger] = await Promise.all([
    certifiedNode(ca, 'mgr1', 'manager'),
    certifiedNode(ca, 'wrk1', 'worker', { clusterId: 'cl-9' }),
    certifiedNode(otherCa, 'intruder', 'manager'),
  ]);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A listening test server: its port, and the first handshake it refused. */
interface TestServer {
  port: number;
  refused: Promise<Error>;
}

/** A TLS server on 127.0.0.1 presenting the manager's certificate; replies with peerIdentity. */
async function server(rejectUnauthorized: boolean): Promise<TestServer> {
  const srv = tls.createServer(
    { ...tlsMaterial(ca, manager), requestCert: true, rejectUnauthorized },
    (socket) => socket.end(JSON.stringify(peerIdentity(socket) ?? null)),
  );
  servers.push(srv);
  const refused = new Promise<Error>((resolve) => srv.once('tlsClientError', resolve));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { port: (srv.address() as AddressInfo).port, refused };
}

/** Connects as `node` (or with no certificate), verifying the server as a swarmlet manager. */
function connect(port: number, node: TestNode | undefined): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'swarmlet-manager',
      ca: ca.certPem,
      ...(node ? { cert: node.certPem, key: node.keyPem } : {}),
    });
    let reply = '';
    let error: Error | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('error', (e) => (error = e));
    socket.on('close', () => resolve({ reply, error }));
  });
}

describe('mutual TLS with node certificates', () => {
  it('a server requiring client certificates sees the node id, role and cluster', async () => {
    const { port } = await server(true);
    expect(await connect(port, worker)).toEqual({
      reply: JSON.stringify({ nodeId: 'wrk1', role: 'worker', clusterId: 'cl-9' }),
      error: undefined,
    });
    const asManager = await connect(port, manager);
    expect(JSON.parse(asManager.reply)).toEqual({
      nodeId: 'mgr1',
      role: 'manager',
      clusterId: 'cluster-1',
    });
  });

  it('rejects a client whose certificate comes from another CA', async () => {
    const { port, refused } = await server(true);
    const outcome = await connect(port, stranger);
    // Node verifies the client chain after the TLS 1.3 handshake and destroys the socket without
    // an alert: the client sees a bare close, the server a client error and no connection.
    expect(outcome.reply).toBe('');
    expect(await refused).toBeInstanceOf(Error);
  });

  it('gives no identity to a client without a certificate or with an untrusted one', async () => {
    const { port } = await server(false);
    expect(await connect(port, undefined)).toEqual({ reply: 'null', error: undefined });
    expect(await connect(port, stranger)).toEqual({ reply: 'null', error: undefined });
    expect(JSON.parse((await connect(port, worker)).reply)).toMatchObject({ nodeId: 'wrk1' });
  });

  it('the client refuses a server whose certificate does not name the expected role', async () => {
    const { port } = await server(true);
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'swarmlet-worker',
      ...tlsMaterial(ca, worker),
    });
    const error = await new Promise<Error>((resolve) => socket.on('error', resolve));
    socket.destroy();
    expect(error.message).toMatch(/does not match certificate's altnames/);
  });
});
