import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { CONTAINER_LABELS, ExecutorError, type LogLine, type LogOptions } from '@swarmlet/agent';
import { toExecutorError } from './errors.js';
import { LogDecoder, sinceParam } from './log-lines.js';

/**
 * `Executor.logs` over dockerode: the lines of the newest container labelled with the task (on
 * this node), oldest first, stamped by the engine. With `follow` it reads until the container
 * stops or `signal` aborts (which closes the engine's stream). Containers have no TTY
 * (container-config.ts), so the engine multiplexes stdout and stderr (`LogDecoder`).
 */
export async function* containerLogs(
  docker: Docker,
  nodeId: string,
  taskId: string,
  opts: LogOptions,
  signal: AbortSignal,
): AsyncGenerator<LogLine> {
  const container = docker.getContainer(await findContainer(docker, nodeId, taskId));
  const query = {
    stdout: true,
    stderr: true,
    timestamps: true,
    tail: opts.tail === undefined ? 'all' : opts.tail,
    ...(opts.sinceMs === undefined ? {} : { since: sinceParam(opts.sinceMs) }),
  };
  const decoder = new LogDecoder();
  if (!opts.follow) {
    let body: Buffer;
    try {
      body = (await container.logs({ ...query, follow: false } as never)) as unknown as Buffer;
    } catch (err) {
      throw toExecutorError('runtime', err);
    }
    yield* decoder.push(Buffer.from(body));
    yield* decoder.end();
    return;
  }
  let stream: Readable;
  try {
    stream = (await container.logs({ ...query, follow: true } as never)) as unknown as Readable;
  } catch (err) {
    throw toExecutorError('runtime', err);
  }
  const stop = (): void => void stream.destroy();
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) stop();
  try {
    for await (const chunk of stream) yield* decoder.push(chunk as Buffer);
    yield* decoder.end();
  } catch (err) {
    if (!signal.aborted) throw toExecutorError('runtime', err);
  } finally {
    signal.removeEventListener('abort', stop);
    stream.destroy();
  }
}

/** The id of the newest container of the task on this node. */
async function findContainer(docker: Docker, nodeId: string, taskId: string): Promise<string> {
  let found: Docker.ContainerInfo[];
  try {
    found = await docker.listContainers({
      all: true,
      filters: {
        label: [`${CONTAINER_LABELS.task}=${taskId}`, `${CONTAINER_LABELS.node}=${nodeId}`],
      },
    });
  } catch (err) {
    throw toExecutorError('runtime', err);
  }
  const newest = found.sort((a, b) => b.Created - a.Created)[0];
  if (!newest)
    throw new ExecutorError('runtime', `no container for task ${taskId} on this node`, false);
  return newest.Id;
}
