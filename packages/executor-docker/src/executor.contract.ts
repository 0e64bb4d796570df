import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '@swarmlet/api-types';
import { isExecutorError, type Executor, type TaskController } from '@swarmlet/agent';

export { makeTestTask, type TestTaskFields } from './test-task.js';

/**
 * What a contract task's container does. Each implementation maps it to a spec it can run
 * (a shell command for Docker, scripted behaviour for a fake).
 */
export type ContractWorkload =
  /** Exits by itself with `exitCode` after about `afterMs`. */
  | { kind: 'exit'; exitCode: number; afterMs: number }
  /** Runs until stopped; on SIGTERM either exits at once or ignores it (then only SIGKILL stops it). */
  | { kind: 'run-until-stopped'; onSigterm: 'exit' | 'ignore' }
  /** Uses an image that is not present locally and cannot be pulled. */
  | { kind: 'missing-image' };

/** What the suite asks `makeTask` for: ids are unique per call so tests never collide. */
export interface ContractTaskRequest {
  id: string;
  slot: number;
  stopGracePeriodMs: number;
  workload: ContractWorkload;
}

/** Builds a task that the executor under test will run with `request.workload`. */
export type MakeContractTask = (request: ContractTaskRequest) => Task;

/** How long a stop that should be prompt may take (a busybox container stops in ~0.2 s). */
const PROMPT_MS = 5_000;

/**
 * Registers the `Executor`/`TaskController` contract as vitest blocks (hono's shared router
 * suite, run against every implementation). `makeExecutor` runs once in `beforeAll`; every
 * controller a test creates is removed in `afterEach`, also when the test fails. Tests run in
 * sequence and take a few seconds in total (two wait for a 1 s grace period).
 */
export function describeExecutorContract(
  name: string,
  makeExecutor: () => Executor | Promise<Executor>,
  makeTask: MakeContractTask,
): void {
  describe(`Executor contract: ${name}`, () => {
    let executor: Executor;
    const created: TaskController[] = [];

    beforeAll(async () => {
      executor = await makeExecutor();
    });

    afterEach(async () => {
      await Promise.allSettled(created.splice(0).map((c) => c.remove()));
    });

    /** A controller for a fresh task, removed after the test. */
    function controllerFor(
      workload: ContractWorkload,
      stopGracePeriodMs = 10_000,
    ): { task: Task; ctl: TaskController } {
      const task = makeTask({
        id: `ct${randomBytes(6).toString('hex')}`,
        slot: 1,
        stopGracePeriodMs,
        workload,
      });
      const ctl = executor.controller(task);
      created.push(ctl);
      return { task, ctl };
    }

    async function running(
      workload: ContractWorkload,
      stopGracePeriodMs?: number,
    ): Promise<TaskController> {
      const { ctl } = controllerFor(workload, stopGracePeriodMs);
      await ctl.prepare();
      await ctl.start();
      return ctl;
    }

    async function timed(op: () => Promise<void>): Promise<number> {
      const start = Date.now();
      await op();
      return Date.now() - start;
    }

    const ignoresTerm = { kind: 'run-until-stopped', onSigterm: 'ignore' } as const;
    const exitsOnTerm = { kind: 'run-until-stopped', onSigterm: 'exit' } as const;

    it('describe() reports a hostname and positive resources', async () => {
      const d = await executor.describe();
      expect(d.hostname).not.toBe('');
      expect(d.resources.nanoCpus).toBeGreaterThan(0);
      expect(d.resources.memoryBytes).toBeGreaterThan(0);
    });

    it('inspect() is undefined before prepare() and shows a created, not running container after', async () => {
      const { ctl } = controllerFor(exitsOnTerm);
      expect(await ctl.inspect()).toBeUndefined();
      await ctl.prepare();
      const state = await ctl.inspect();
      expect(state).toMatchObject({ running: false, exitCode: undefined });
      expect(state?.containerId).not.toBe('');
    });

    it('prepare() is idempotent: a second call adopts the same container', async () => {
      const { task, ctl } = controllerFor(exitsOnTerm);
      await ctl.prepare();
      const first = await ctl.inspect();
      await ctl.prepare();
      await executor.controller(task).prepare();
      expect((await ctl.inspect())?.containerId).toBe(first?.containerId);
      expect((await executor.list()).filter((c) => c.taskId === task.id)).toHaveLength(1);
    });

    it('start() then wait() resolves with the exit code, and inspect() reports it', async () => {
      const ctl = await running({ kind: 'exit', exitCode: 3, afterMs: 100 });
      const status = await ctl.wait(new AbortController().signal);
      expect(status.exitCode).toBe(3);
      expect(await ctl.inspect()).toMatchObject({ running: false, exitCode: 3 });
    });

    it('wait() resolves with exit code 0 and no error for a clean exit', async () => {
      const ctl = await running({ kind: 'exit', exitCode: 0, afterMs: 0 });
      expect(await ctl.wait(new AbortController().signal)).toEqual({ exitCode: 0, error: '' });
    });

    it('start() is idempotent while the container runs', async () => {
      const ctl = await running(exitsOnTerm);
      await ctl.start();
      expect(await ctl.inspect()).toMatchObject({ running: true, exitCode: undefined });
    });

    it("wait() rejects with the signal's reason when aborted, leaving the container running", async () => {
      const ctl = await running(exitsOnTerm);
      const aborted = new AbortController();
      const reason = new Error('stop waiting');
      const waiting = ctl.wait(aborted.signal);
      setTimeout(() => aborted.abort(reason), 100);
      await expect(waiting).rejects.toBe(reason);
      await expect(ctl.wait(aborted.signal)).rejects.toBe(reason);
      expect((await ctl.inspect())?.running).toBe(true);
    });

    it('shutdown() returns as soon as a container that handles SIGTERM exits', async () => {
      const ctl = await running(exitsOnTerm, 30_000);
      expect(await timed(() => ctl.shutdown())).toBeLessThan(PROMPT_MS);
      expect((await ctl.inspect())?.running).toBe(false);
    });

    it('shutdown() kills a container that ignores SIGTERM only after the grace period', async () => {
      const ctl = await running(ignoresTerm, 1_000);
      const elapsed = await timed(() => ctl.shutdown());
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(1_000 + PROMPT_MS);
      const state = await ctl.inspect();
      expect(state?.running).toBe(false);
      expect(state?.exitCode).toBeDefined();
    });

    it('terminate() kills at once, ignoring the grace period', async () => {
      const ctl = await running(ignoresTerm, 60_000);
      expect(await timed(() => ctl.terminate())).toBeLessThan(PROMPT_MS);
      const status = await ctl.wait(new AbortController().signal);
      expect(status.exitCode).not.toBe(0);
    });

    it('shutdown(), terminate() and remove() succeed when there is nothing to do', async () => {
      const { ctl } = controllerFor(exitsOnTerm);
      await ctl.shutdown();
      await ctl.terminate();
      await ctl.remove();
      await ctl.prepare();
      await ctl.shutdown();
      await ctl.terminate();
    });

    it('remove() is idempotent and removes a running container', async () => {
      const { task, ctl } = controllerFor(exitsOnTerm);
      await ctl.prepare();
      await ctl.start();
      await ctl.remove();
      await ctl.remove();
      expect(await ctl.inspect()).toBeUndefined();
      expect((await executor.list()).some((c) => c.taskId === task.id)).toBe(false);
    });

    it('list() finds containers by their labels in every state; removeContainer() is idempotent', async () => {
      const a = controllerFor(exitsOnTerm);
      const b = controllerFor({ kind: 'exit', exitCode: 0, afterMs: 0 });
      await a.ctl.prepare();
      await a.ctl.start();
      await b.ctl.prepare();
      const listed = await executor.list();
      const entryA = listed.find((c) => c.taskId === a.task.id);
      expect(entryA).toMatchObject({
        serviceId: a.task.serviceId,
        nodeId: a.task.nodeId,
        running: true,
      });
      expect(entryA?.containerId).toBe((await a.ctl.inspect())?.containerId);
      expect(listed.find((c) => c.taskId === b.task.id)).toMatchObject({ running: false });
      await executor.removeContainer(entryA?.containerId ?? '');
      await executor.removeContainer(entryA?.containerId ?? '');
      expect(await a.ctl.inspect()).toBeUndefined();
    });

    it('prepare() with an image that cannot be pulled fails with a non-temporary image error', async () => {
      const { ctl } = controllerFor({ kind: 'missing-image' });
      const err: unknown = await ctl.prepare().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isExecutorError(err)).toBe(true);
      expect(err).toMatchObject({ kind: 'image', temporary: false });
      expect((err as Error).message).not.toBe('');
      expect(await ctl.inspect()).toBeUndefined();
    });
  });
}
