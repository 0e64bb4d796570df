import type Docker from 'dockerode';
import { ExecutorError } from '@swarmlet/agent';
import { isUnreachable, toExecutorError } from './errors.js';
import { redactPassword, type RegistryAuth } from './registry-auth.js';

interface PullEvent {
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Pulls `image` and resolves once the engine has it. With `auth`, the engine presents those
 * credentials to the registry (dockerode's `authconfig`, sent as the `X-Registry-Auth` header,
 * never in the URL); the caller picks the credentials whose `serveraddress` is `registryOf(image)`.
 *
 * Registry failures (the engine answers the request with an error, e.g. "no basic auth
 * credentials", "unauthorized: authentication required", "manifest unknown", or reports one inside
 * the progress stream) are permanent `image` errors, so the task is rejected with the registry's
 * message; an unreachable engine is temporary. The password never appears in an error's message,
 * and an error whose engine text contained it carries no `cause`.
 */
export async function pullImage(docker: Docker, image: string, auth?: RegistryAuth): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(image, auth === undefined ? {} : { authconfig: { ...auth } });
  } catch (err) {
    throw pullError(err, auth);
  }
  await new Promise<void>((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: unknown) => {
        if (err !== null && err !== undefined) reject(pullError(err, auth));
        else if (failure !== undefined)
          reject(new ExecutorError('image', redactPassword(failure, auth), false));
        else resolve();
      },
      (event: PullEvent) => {
        failure ??= event.errorDetail?.message ?? event.error;
      },
    );
  });
}

/** The engine's error as a pull failure: temporary only when the engine did not answer. */
function pullError(err: unknown, auth: RegistryAuth | undefined): ExecutorError {
  const wrapped = toExecutorError('image', err, isUnreachable(err));
  const message = redactPassword(wrapped.message, auth);
  if (message === wrapped.message) return wrapped;
  // The cause holds the unredacted text: drop it rather than let a logger print it.
  return new ExecutorError('image', message, wrapped.temporary);
}
