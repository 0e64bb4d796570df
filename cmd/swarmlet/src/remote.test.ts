import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CA, TEST_MANAGER, TEST_WORKER } from './testing/certs.js';
import { runCli, startHttpsDaemon, type TestDaemon } from './testing/harness.js';

// The CLI against a daemon serving HTTPS like a manager's cluster port: a certificate naming a
// node id (not 127.0.0.1), and a bearer token or a client certificate for every request.
const TOKEN = 'swlapi_aaaaaaaaaaaa_ssssssssssssssssssssssssssssssss';
let dir: string;
let daemon: TestDaemon;
const file = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'swarmlet-tls-'));
  writeFileSync(file('ca.crt'), TEST_CA);
  writeFileSync(file('client.crt'), TEST_WORKER.cert);
  writeFileSync(file('client.key'), TEST_WORKER.key);
  writeFileSync(file('not-ca.crt'), TEST_MANAGER.cert);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => daemon.close());

async function serve(cert: { cert: string; key: string }): Promise<void> {
  daemon = await startHttpsDaemon({ ...cert, clientCa: TEST_CA, token: TOKEN });
}

const remote = (args: string[], env: Record<string, string> = {}) =>
  runCli('/nonexistent.sock', args, { env });

describe('swarmlet --host https://… (a manager certificate)', () => {
  it('verifies the daemon against --tlscacert and sends --token', async () => {
    await serve(TEST_MANAGER);
    const res = await remote([
      '--host',
      daemon.url,
      '--tlscacert',
      file('ca.crt'),
      '--token',
      TOKEN,
      'node',
      'ls',
      '-q',
    ]);
    expect(res).toMatchObject({ code: 0, stdout: 'n0deaaaaaaaaaaaaaaaaaaaaa\n', stderr: '' });
  });

  it('takes host, CA and token from the environment, with host:port meaning HTTPS', async () => {
    await serve(TEST_MANAGER);
    const env = {
      SWARMLET_HOST: daemon.url.replace('https://', ''),
      SWARMLET_TLS_CA: file('ca.crt'),
      SWARMLET_TOKEN: TOKEN,
    };
    expect(await remote(['info'], env)).toMatchObject({ code: 0, stderr: '' });
    const tcp = { ...env, SWARMLET_HOST: daemon.url.replace('https://', 'tcp://') };
    expect((await remote(['node', 'ls', '-q'], tcp)).code).toBe(0);
  });

  it('authenticates with a client certificate instead of a token', async () => {
    await serve(TEST_MANAGER);
    const tls = ['--tlscacert', file('ca.crt'), '--tlscert', file('client.crt')];
    const res = await remote([
      '--host',
      daemon.url,
      ...tls,
      '--tlskey',
      file('client.key'),
      'node',
      'ls',
      '-q',
    ]);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const anonymous = await remote(['--host', daemon.url, '--tlscacert', file('ca.crt'), 'info']);
    expect(anonymous).toMatchObject({ code: 1, stderr: 'Error: authentication required\n' });
  });

  it('asks for --tlscacert when the system CAs do not know the cluster CA', async () => {
    await serve(TEST_MANAGER);
    const res = await remote(['--host', daemon.url, '--token', TOKEN, 'service', 'rm', 'a', 'b']);
    expect(res.code).toBe(1);
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    // The reason is OpenSSL's: the server may or may not send the CA along with its certificate.
    for (const line of lines) {
      expect(line).toMatch(
        /^Error: cannot verify the swarmlet daemon at https:\/\/127\.0\.0\.1:\d+ \((unable to verify the first certificate|self-signed certificate in certificate chain)\): pass the cluster CA with --tlscacert FILE \(env SWARMLET_TLS_CA\); managers keep it at \/var\/lib\/swarmlet\/certs\/ca\.crt$/,
      );
    }
  });

  it('says so when --tlscacert is not the CA of the daemon', async () => {
    await serve(TEST_MANAGER);
    const res = await remote(['--host', daemon.url, '--tlscacert', file('not-ca.crt'), 'info']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('is the file given to --tlscacert (SWARMLET_TLS_CA) the CA');
  });

  it('fails on a missing CA file as a usage error', async () => {
    await serve(TEST_MANAGER);
    const res = await remote(['--host', daemon.url, '--tlscacert', file('nope.crt'), 'info']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      `swarmlet: invalid argument "${file('nope.crt')}" for "--tlscacert": ENOENT`,
    );
  });
});

describe('swarmlet --host https://… (a worker certificate)', () => {
  it('refuses a server that is not a manager, even when signed by the CA', async () => {
    await serve(TEST_WORKER);
    const res = await remote(['--host', daemon.url, '--tlscacert', file('ca.crt'), 'info']);
    expect(res).toMatchObject({
      code: 1,
      stderr: 'Error: the certificate of 127.0.0.1 is not a swarmlet manager certificate\n',
    });
  });
});
