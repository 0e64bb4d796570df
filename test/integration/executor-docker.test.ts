import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DockerExecutor } from '@swarmlet/executor-docker';
import {
  describeExecutorContract,
  makeTestTask,
  type ContractWorkload,
  type TestTaskFields,
} from '@swarmlet/executor-docker/contract';
import {
  DEMO_IMAGE,
  TEST_IMAGE,
  TEST_RUN_LABEL,
  containerIp,
  dockerClient,
  dockerEndpoint,
  removeContainersByLabel,
  requireImage,
  testRunId,
  waitUntil,
} from './helpers/docker.js';

const RUN = testRunId('exec');
const NODE_ID = `node-${RUN}`;
/** A registry on loopback that does not exist: the pull fails fast without leaving the machine. */
const UNPULLABLE_IMAGE = '127.0.0.1:9/swarmlet/missing:latest';

let docker: Docker;

beforeAll(async () => {
  docker = await dockerClient();
  await requireImage(docker, TEST_IMAGE);
});

afterAll(async () => {
  await removeContainersByLabel(docker, TEST_RUN_LABEL, RUN);
});

/** Shell commands for the contract's workloads. `sleep` as PID 1 has no handler, so it ignores SIGTERM. */
function commandFor(workload: ContractWorkload): string[] {
  switch (workload.kind) {
    case 'exit':
      return ['sh', '-c', `sleep ${workload.afterMs / 1000}; exit ${workload.exitCode}`];
    case 'run-until-stopped':
      return workload.onSigterm === 'ignore'
        ? ['sleep', '3600']
        : ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"];
    case 'missing-image':
      return [];
  }
}

function task(fields: Omit<TestTaskFields, 'nodeId'>): ReturnType<typeof makeTestTask> {
  return makeTestTask({
    nodeId: NODE_ID,
    ...fields,
    container: {
      image: TEST_IMAGE,
      ...fields.container,
      labels: { [TEST_RUN_LABEL]: RUN, ...fields.container?.labels },
    },
  });
}

const executor = (): DockerExecutor => new DockerExecutor({ nodeId: NODE_ID, ...dockerEndpoint() });

describeExecutorContract('DockerExecutor', executor, (req) =>
  task({
    id: req.id,
    slot: req.slot,
    container: {
      image: req.workload.kind === 'missing-image' ? UNPULLABLE_IMAGE : TEST_IMAGE,
      command: commandFor(req.workload),
      stopGracePeriodMs: req.stopGracePeriodMs,
    },
  }),
);

describe('DockerExecutor on the engine', () => {
  const ex = executor();

  afterEach(async () => {
    await removeContainersByLabel(docker, TEST_RUN_LABEL, RUN);
  });

  it('creates the container from the spec: name, env, labels, limits, user, workdir, no restart', async () => {
    const t = task({
      id: `spec${RUN.slice(-8)}`,
      serviceName: 'web',
      slot: 2,
      container: {
        command: ['sh', '-c'],
        args: ['exit 0'],
        env: ['A=1', 'SWARMLET_TASK_ID=spoofed'],
        labels: { team: 'infra' },
        workdir: '/tmp',
        user: 'nobody',
        stopGracePeriodMs: 2_500,
      },
      limits: { nanoCpus: 500_000_000, memoryBytes: 64 * 1024 * 1024 },
    });
    await ex.controller(t).prepare();
    const info = await docker.getContainer(`web.2.${t.id}`).inspect();
    expect(info.Config.Entrypoint).toEqual(['sh', '-c']);
    expect(info.Config.Cmd).toEqual(['exit 0']);
    expect(info.Config.Env).toEqual(
      expect.arrayContaining([
        'A=1',
        `SWARMLET_TASK_ID=${t.id}`,
        'SWARMLET_TASK_SLOT=2',
        'SWARMLET_SERVICE_NAME=web',
        `SWARMLET_NODE_ID=${NODE_ID}`,
      ]),
    );
    // The agent's value comes last, so it wins over the spec's.
    expect(info.Config.Env.lastIndexOf(`SWARMLET_TASK_ID=${t.id}`)).toBeGreaterThan(
      info.Config.Env.indexOf('SWARMLET_TASK_ID=spoofed'),
    );
    expect(info.Config.Labels).toMatchObject({
      team: 'infra',
      'io.swarmlet.task.id': t.id,
      'io.swarmlet.task.slot': '2',
      'io.swarmlet.node.id': NODE_ID,
    });
    expect(info.Config).toMatchObject({ User: 'nobody', WorkingDir: '/tmp', StopTimeout: 3 });
    expect(info.HostConfig).toMatchObject({
      NanoCpus: 500_000_000,
      Memory: 64 * 1024 * 1024,
      RestartPolicy: { Name: 'no' },
    });
  });

  it("list() ignores another node's containers on a shared engine", async () => {
    const t = task({ id: `other${RUN.slice(-8)}`, container: { command: ['true'] } });
    const other = new DockerExecutor({ nodeId: `${NODE_ID}-other`, ...dockerEndpoint() });
    await other.controller({ ...t, nodeId: other.nodeId }).prepare();
    expect((await other.list()).map((c) => c.taskId)).toContain(t.id);
    expect((await ex.list()).map((c) => c.taskId)).not.toContain(t.id);
  });

  it('reports a start failure as a non-temporary start error and keeps the engine message', async () => {
    const ctl = ex.controller(
      task({ id: `bad${RUN.slice(-8)}`, container: { command: ['/no/such/binary'] } }),
    );
    await ctl.prepare();
    await expect(ctl.start()).rejects.toMatchObject({
      kind: 'start',
      temporary: false,
      message: expect.stringContaining('/no/such/binary'),
    });
    expect((await ctl.inspect())?.error).toContain('/no/such/binary');
  });

  it('describe() reports the engine version and platform', async () => {
    const d = await ex.describe();
    expect(d.engine.version).toMatch(/^\d+\.\d+/);
    expect(d.platform.os).toBe('linux');
  });

  it('demo-web answers with the replica that served it', async () => {
    await requireImage(docker, DEMO_IMAGE);
    const t = task({
      id: `web${RUN.slice(-8)}`,
      serviceName: 'demo',
      slot: 2,
      container: { image: DEMO_IMAGE },
    });
    const ctl = ex.controller(t);
    await ctl.prepare();
    await ctl.start();
    const ip = await containerIp(docker, (await ctl.inspect())?.containerId ?? '');
    const body = await waitUntil(async () => (await fetch(`http://${ip}/`)).text(), {
      message: `demo-web on ${ip}`,
    });
    expect(body).toMatch(
      new RegExp(`^hello from demo\\.2 \\(task ${t.id}, container [0-9a-f]{12}\\)`),
    );
    const started = Date.now();
    await ctl.shutdown();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await ctl.inspect())?.exitCode).toBe(0);
  });
});
