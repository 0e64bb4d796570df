import { describe, expect, it } from 'vitest';
import { silentLogger, type TaskState, type TaskStatus } from '@swarmlet/api-types';
import { MemoryStore, sampleService, sampleTask } from '@swarmlet/store';
import { StatusWriter } from './status-writer.js';

const status = (state: TaskState, message: string): TaskStatus => ({
  state,
  message,
  timestamp: new Date().toISOString(),
  err: '',
  containerId: '',
});

async function scenario(
  from: TaskStatus,
  reports: TaskStatus[],
  nodeId = 'n1',
): Promise<TaskStatus | undefined> {
  const store = new MemoryStore();
  const id = await store.update((tx) => {
    const svc = tx.create('service', sampleService('web'));
    return tx.create('task', { ...sampleTask(svc, 1, 'n1'), status: from }).id;
  });
  const writer = new StatusWriter(store, silentLogger);
  for (const s of reports) writer.enqueue(nodeId, [{ taskId: id, status: s }]);
  await writer.drain();
  return store.view((tx) => tx.get('task', id)?.status);
}

describe('StatusWriter', () => {
  it('applies forward moves and ignores backward ones', async () => {
    const got = await scenario(status('assigned', 'assigned'), [
      status('running', 'started'),
      status('starting', 'starting'),
    ]);
    expect(got).toMatchObject({ state: 'running', message: 'started' });
  });

  it('takes a new message in the same live state (a health check pending)', async () => {
    const got = await scenario(status('starting', 'starting'), [
      status('starting', 'starting (health: starting)'),
    ]);
    expect(got).toMatchObject({ state: 'starting', message: 'starting (health: starting)' });
  });

  it('leaves a terminal status and identical resends alone', async () => {
    const failed = status('failed', 'failed');
    expect(await scenario(failed, [status('failed', 'other')])).toEqual(failed);
    const starting = status('starting', 'starting');
    const resent = { ...starting, timestamp: new Date(1).toISOString() };
    expect(await scenario(starting, [resent])).toEqual(starting);
  });

  it('ignores reports from a node the task is not on', async () => {
    const from = status('starting', 'starting');
    expect(await scenario(from, [status('running', 'started')], 'n2')).toEqual(from);
  });
});
