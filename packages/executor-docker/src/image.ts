import type Docker from 'dockerode';
import { ExecutorError } from '@swarmlet/agent';
import { isUnreachable, toExecutorError } from './errors.js';

interface PullEvent {
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Pulls `image` and resolves once the engine has it. Registry failures (the engine answers the
 * request with an error, or reports one inside the progress stream) are permanent `image`
 * errors, so the task is rejected with the engine's message; an unreachable engine is temporary.
 */
export async function pullImage(docker: Docker, image: string): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(image);
  } catch (err) {
    throw toExecutorError('image', err, isUnreachable(err));
  }
  await new Promise<void>((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: unknown) => {
        if (err !== null && err !== undefined)
          reject(toExecutorError('image', err, isUnreachable(err)));
        else if (failure !== undefined) reject(new ExecutorError('image', failure, false));
        else resolve();
      },
      (event: PullEvent) => {
        failure ??= event.errorDetail?.message ?? event.error;
      },
    );
  });
}
