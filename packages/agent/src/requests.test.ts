import { describe, expect, it } from 'vitest';
import {
  silentLogger,
  type AgentMessage,
  type ManagerMessage,
  type Task,
} from '@swarmlet/api-types';
import { channelPair } from './channel.js';
import { FakeExecutor } from './fake-executor.js';
import { LOG_CHUNK_LINES, RequestServer } from './requests.js';

const task = { id: 't1', serviceId: 's1', serviceName: 'web', slot: 1, nodeId: 'n1' } as Task;

/** A server on a fake executor, and the manager's end recording every reply. */
function setup(): {
  exec: FakeExecutor;
  server: RequestServer;
  got: AgentMessage[];
  send: (m: ManagerMessage) => void;
} {
  const exec = new FakeExecutor({ nodeId: 'n1' });
  const server = new RequestServer(exec, 'n1', silentLogger);
  const [agentEnd, managerEnd] = channelPair<AgentMessage, ManagerMessage>();
  const got: AgentMessage[] = [];
  managerEnd.onMessage((m) => got.push(m));
  agentEnd.onMessage(() => undefined);
  const send = (m: ManagerMessage): void => {
    if (m.type === 'logs' || m.type === 'logs-cancel' || m.type === 'volumes')
      server.handle(agentEnd, m);
  };
  return { exec, server, got, send };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
}

describe('RequestServer', () => {
  it('answers "reading" at once, then the lines in chunks, then the end', async () => {
    const { exec, got, send } = setup();
    exec.create(task);
    const n = LOG_CHUNK_LINES + 10;
    for (let i = 0; i < n; i++) exec.appendLog('t1', `l${i}`);
    send({ type: 'logs', requestId: 'r1', taskId: 't1', options: { follow: false } });
    await until(() => got.some((m) => m.type === 'logs-end'));
    const types = got.map((m) => m.type);
    expect(types[0]).toBe('logs-data');
    expect(got[0]).toEqual({ type: 'logs-data', requestId: 'r1', lines: [] });
    expect(types.at(-1)).toBe('logs-end');
    const lines = got.flatMap((m) => (m.type === 'logs-data' ? m.lines.map((l) => l.text) : []));
    expect(lines).toEqual(Array.from({ length: n }, (_, i) => `l${i}`));
    expect(got.filter((m) => m.type === 'logs-data').length).toBeGreaterThanOrEqual(3);
    expect(got.at(-1)).toEqual({ type: 'logs-end', requestId: 'r1' });
  });

  it('ends with the read error when there is no container', async () => {
    const { got, send } = setup();
    send({ type: 'logs', requestId: 'r1', taskId: 'nope', options: { follow: false } });
    await until(() => got.some((m) => m.type === 'logs-end'));
    expect(got.at(-1)).toEqual({
      type: 'logs-end',
      requestId: 'r1',
      error: 'no container for task nope',
    });
  });

  it('stops a followed reader on cancel and on closeAll', async () => {
    const { exec, server, got, send } = setup();
    exec.create(task).running = true;
    send({ type: 'logs', requestId: 'r1', taskId: 't1', options: { follow: true } });
    send({ type: 'logs', requestId: 'r2', taskId: 't1', options: { follow: true } });
    await until(() => exec.logLines.followers('t1') === 2);
    exec.appendLog('t1', 'live');
    await until(() => got.filter((m) => m.type === 'logs-data' && m.lines.length > 0).length === 2);
    send({ type: 'logs-cancel', requestId: 'r1' });
    await until(() => got.some((m) => m.type === 'logs-end' && m.requestId === 'r1'));
    expect(server.activeReaders).toBe(1);
    server.closeAll();
    await until(() => exec.logLines.followers('t1') === 0 && server.activeReaders === 0);
  });

  it('lists and removes volumes, and answers the executor error', async () => {
    const { exec, got, send } = setup();
    exec.volumes.set('v1', { name: 'v1', driver: 'local', labels: { a: 'b' }, inUse: true });
    send({ type: 'volumes', requestId: 'q1', op: 'list' });
    send({ type: 'volumes', requestId: 'q2', op: 'remove', name: 'v1' });
    await until(() => got.length === 2);
    expect(got).toContainEqual({
      type: 'volumes-result',
      requestId: 'q1',
      volumes: [{ name: 'v1', driver: 'local', labels: { a: 'b' }, inUse: true }],
    });
    expect(got).toContainEqual({
      type: 'volumes-result',
      requestId: 'q2',
      error: 'remove v1: volume is in use',
    });
  });
});
