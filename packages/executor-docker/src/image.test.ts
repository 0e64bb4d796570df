import { inspect } from 'node:util';
import type Docker from 'dockerode';
import { describe, expect, it, vi } from 'vitest';
import { ExecutorError } from '@swarmlet/agent';
import { pullImage } from './image.js';
import type { RegistryAuth } from './registry-auth.js';

const AUTH: RegistryAuth = {
  serveraddress: '127.0.0.1:5000',
  username: 'alice',
  password: 'pa55-w0rd-secret',
};

interface FakeOptions {
  /** pull() rejects with this. */
  pullError?: unknown;
  /** Progress events the stream reports, in order. */
  events?: object[];
  /** followProgress finishes with this error. */
  streamError?: unknown;
}

/** A dockerode stand-in: `pull` records its arguments, `followProgress` replays `events`. */
function fakeDocker(options: FakeOptions = {}) {
  const pull = vi.fn((_image: string, _opts?: object) =>
    options.pullError === undefined
      ? Promise.resolve({ fake: 'stream' })
      : Promise.reject(options.pullError),
  );
  const followProgress = (
    _stream: unknown,
    onFinished: (err: unknown) => void,
    onProgress: (event: object) => void,
  ) => {
    setImmediate(() => {
      for (const event of options.events ?? []) onProgress(event);
      onFinished(options.streamError ?? null);
    });
  };
  const docker = { pull, modem: { followProgress } } as unknown as Docker;
  return { docker, pull };
}

/** dockerode's error for a non-2xx answer to the streamed POST /images/create. */
function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) server error - ${message} `), {
    statusCode,
    reason: 'server error',
  });
}

async function pullFailure(promise: Promise<void>): Promise<ExecutorError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExecutorError);
  return err as ExecutorError;
}

describe('pullImage', () => {
  it('passes no credentials without auth', async () => {
    const { docker, pull } = fakeDocker();
    await pullImage(docker, 'nginx:1');
    expect(pull).toHaveBeenCalledWith('nginx:1', {});
  });

  it("passes auth as dockerode's authconfig (a header, not the URL)", async () => {
    const { docker, pull } = fakeDocker();
    await pullImage(docker, '127.0.0.1:5000/app:1', AUTH);
    expect(pull).toHaveBeenCalledWith('127.0.0.1:5000/app:1', { authconfig: AUTH });
  });

  it("does not hand the caller's auth object to dockerode (which deletes authconfig keys)", async () => {
    const { docker, pull } = fakeDocker();
    const auth = { ...AUTH };
    await pullImage(docker, 'x/y', auth);
    const sent = pull.mock.calls[0]?.[1] as { authconfig?: RegistryAuth } | undefined;
    expect(sent?.authconfig).not.toBe(auth);
    expect(auth).toEqual(AUTH);
  });

  it("makes the registry's refusal a permanent image error with its message", async () => {
    const message = 'Head "http://127.0.0.1:5000/v2/app/manifests/1": no basic auth credentials';
    const { docker } = fakeDocker({ pullError: engineError(500, message) });
    const err = await pullFailure(pullImage(docker, '127.0.0.1:5000/app:1'));
    expect(err).toMatchObject({ kind: 'image', temporary: false, message });
  });

  it('makes an unauthorized answer with wrong credentials permanent', async () => {
    const { docker } = fakeDocker({
      pullError: engineError(500, 'unauthorized: authentication required'),
    });
    const err = await pullFailure(pullImage(docker, '127.0.0.1:5000/app:1', AUTH));
    expect(err).toMatchObject({
      kind: 'image',
      temporary: false,
      message: 'unauthorized: authentication required',
    });
  });

  it('makes a 404 (no such repository) permanent', async () => {
    const { docker } = fakeDocker({
      pullError: engineError(404, 'pull access denied for nope, repository does not exist'),
    });
    const err = await pullFailure(pullImage(docker, 'nope'));
    expect(err).toMatchObject({ kind: 'image', temporary: false });
    expect(err.message).toContain('repository does not exist');
  });

  it('makes an error inside the progress stream permanent', async () => {
    const { docker } = fakeDocker({
      events: [
        { status: 'Pulling from app' },
        { errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' },
      ],
    });
    const err = await pullFailure(pullImage(docker, 'r:5000/app'));
    expect(err).toMatchObject({ kind: 'image', temporary: false, message: 'manifest unknown' });
  });

  it('makes an unreachable engine temporary', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), {
      code: 'ECONNREFUSED',
    });
    const { docker } = fakeDocker({ pullError: refused });
    const err = await pullFailure(pullImage(docker, 'nginx', AUTH));
    expect(err).toMatchObject({ kind: 'image', temporary: true });
    expect(err.message).toMatch(/^docker engine unreachable: /);
  });

  it('makes a stream cut by the engine temporary', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const { docker } = fakeDocker({ streamError: reset });
    const err = await pullFailure(pullImage(docker, 'nginx'));
    expect(err).toMatchObject({ kind: 'image', temporary: true });
  });

  it('never puts the password in the error, nor in its cause', async () => {
    const leaky = `unauthorized: bad password ${AUTH.password} for ${AUTH.username}`;
    for (const fake of [
      fakeDocker({ pullError: engineError(500, leaky) }),
      fakeDocker({ events: [{ error: leaky }] }),
      fakeDocker({ streamError: engineError(500, leaky) }),
    ]) {
      const err = await pullFailure(pullImage(fake.docker, 'r:5000/app', AUTH));
      expect(err).toMatchObject({ kind: 'image', temporary: false });
      expect(err.message).toBe(`unauthorized: bad password *** for ${AUTH.username}`);
      expect(inspect(err, { depth: 10 })).not.toContain(AUTH.password);
      expect(JSON.stringify(err)).not.toContain(AUTH.password);
    }
  });
});
