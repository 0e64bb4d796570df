import { inspect } from 'node:util';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isExecutorError, type ExecutorError } from '@swarmlet/agent';
import { pullImage, registryOf, type RegistryAuth } from '@swarmlet/executor-docker';
import { TEST_IMAGE, dockerClient, requireImage, testRunId } from './helpers/docker.js';
import { pushTestImage, startRegistry, type TestRegistry } from './helpers/registry.js';

// A pull through the engine from a real distribution v2 registry on loopback that wants basic
// auth: the node side of registry credentials (issue 6 item 5).

const USER = { user: 'swarmlet', password: `pw-${testRunId('secret')}` };
const WRONG_PASSWORD = `wrong-${testRunId('pw')}`;
const PULL_TIMEOUT_MS = 30_000;

let docker: Docker;
let registry: TestRegistry | undefined;
let ref = '';

function auth(password: string): RegistryAuth {
  return { serveraddress: registry?.addr ?? '', username: USER.user, password };
}

/** Removes the pulled image by reference, so each test's pull really goes to the registry. */
async function removeLocal(): Promise<void> {
  if (ref === '') return;
  await docker
    .getImage(ref)
    .remove({ force: true })
    .catch((err: unknown) => {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    });
}

async function isLocal(): Promise<boolean> {
  return docker
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/** The rejection of `promise`, which must be an ExecutorError. */
async function failure(promise: Promise<void>): Promise<ExecutorError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isExecutorError(err)) throw new Error(`expected an ExecutorError, got ${String(err)}`);
  return err;
}

/** Every way the error may be printed (message, stack, cause chain) leaves the passwords out. */
function expectNoPassword(err: ExecutorError): void {
  const printed = `${String(err)}\n${err.stack ?? ''}\n${inspect(err, { depth: 10 })}`;
  expect(printed).not.toContain(USER.password);
  expect(printed).not.toContain(WRONG_PASSWORD);
}

beforeAll(async () => {
  docker = await dockerClient();
  await requireImage(docker, TEST_IMAGE);
  registry = await startRegistry({ auth: USER });
  ref = await pushTestImage(registry.addr, testRunId('swarmlet-pull'), USER);
});

afterAll(async () => {
  try {
    await removeLocal();
  } finally {
    await registry?.stop();
  }
});

afterEach(removeLocal);

describe('pullImage from a registry that wants credentials', () => {
  it('names the registry as the image reference does', () => {
    expect(registryOf(ref)).toBe(registry?.addr);
    expect(ref).toMatch(/^127\.0\.0\.1:\d+\//);
  });

  it('pulls with the right credentials', { timeout: PULL_TIMEOUT_MS }, async () => {
    expect(await isLocal()).toBe(false);
    await pullImage(docker, ref, auth(USER.password));
    expect(await isLocal()).toBe(true);
  });

  it(
    "rejects without credentials: permanent image error with the registry's message",
    { timeout: PULL_TIMEOUT_MS },
    async () => {
      const err = await failure(pullImage(docker, ref));
      expect(err).toMatchObject({ kind: 'image', temporary: false });
      expect(err.message).toMatch(/no basic auth credentials|unauthorized/);
      expectNoPassword(err);
      expect(await isLocal()).toBe(false);
    },
  );

  it(
    "rejects a wrong password: permanent image error with the registry's message",
    { timeout: PULL_TIMEOUT_MS },
    async () => {
      const err = await failure(pullImage(docker, ref, auth(WRONG_PASSWORD)));
      expect(err).toMatchObject({ kind: 'image', temporary: false });
      expect(err.message).toContain('unauthorized: authentication required');
      expectNoPassword(err);
      expect(await isLocal()).toBe(false);
    },
  );

  it(
    'rejects a missing repository with the right credentials: permanent',
    { timeout: PULL_TIMEOUT_MS },
    async () => {
      const missing = `${registry?.addr ?? ''}/${testRunId('absent')}:latest`;
      const err = await failure(pullImage(docker, missing, auth(USER.password)));
      expect(err).toMatchObject({ kind: 'image', temporary: false });
      expect(err.message).toMatch(/not found|manifest unknown|name unknown/);
      expectNoPassword(err);
    },
  );
});
