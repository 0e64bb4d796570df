import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isSwarmletError } from '@swarmlet/api-types';
import { MemoryStore } from '@swarmlet/store';
import { describe, expect, it } from 'vitest';
import { ControlServer } from './controlapi.js';

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const image = { container: { image: 'img' } };

async function errorOf(p: Promise<unknown>): Promise<Error & { code?: string }> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error,
  );
}

function testdata(name: string): Buffer {
  return readFileSync(
    fileURLToPath(new URL(`../../../secrets/src/testdata/${name}`, import.meta.url)),
  );
}

function setup(): { store: MemoryStore; api: ControlServer } {
  const store = new MemoryStore();
  return { store, api: new ControlServer(store) };
}

describe('secrets and configs through the control API', () => {
  it('stores a secret and never shows its data; names are unique; rm is refused while used', async () => {
    const { api, store } = setup();
    const s = await api.createSecret({ name: 'db_pw', data: b64('hunter2'), labels: { a: 'b' } });
    expect(s).toEqual({
      id: s.id,
      meta: s.meta,
      spec: { name: 'db_pw', labels: { a: 'b' }, type: 'opaque' },
      size: 7,
    });
    expect(JSON.stringify(await api.listSecrets())).not.toContain(b64('hunter2'));
    expect((await api.getSecret('db_pw')).id).toBe(s.id);
    expect(store.view((tx) => tx.get('secret', s.id))?.spec.data).toBe(b64('hunter2'));
    const dup = await errorOf(api.createSecret({ name: 'db_pw', data: b64('x') }));
    expect(isSwarmletError(dup, 'ALREADY_EXISTS')).toBe(true);

    const svc = await api.createService({
      name: 'app',
      task: {
        ...image,
        secrets: [{ source: 'db_pw' }, { source: 'db_pw', target: 'copy', mode: 0o400, uid: 10 }],
      },
    });
    expect(svc.spec.task.secrets).toEqual([
      { id: s.id, name: 'db_pw', target: 'db_pw', uid: 0, gid: 0, mode: 0o444 },
      { id: s.id, name: 'db_pw', target: 'copy', uid: 10, gid: 0, mode: 0o400 },
    ]);
    const inUse = await errorOf(api.removeSecret('db_pw'));
    expect(isSwarmletError(inUse, 'FAILED_PRECONDITION')).toBe(true);
    expect(inUse.message).toBe('secret db_pw is in use by service app');
    await api.removeService('app');
    await api.removeSecret('db_pw');
    expect(await api.listSecrets()).toEqual([]);
  });

  it('refuses bad input with a clear message and writes nothing', async () => {
    const { api, store } = setup();
    const cases: [Promise<unknown>, RegExp][] = [
      [api.createSecret({ name: 'bad name', data: b64('x') }), /name/],
      [
        api.createSecret({ name: 'big', data: b64(Buffer.alloc(512_001)) }),
        /512001 bytes; the limit is 512000/,
      ],
      [api.createSecret({ name: 'notb64', data: 'not base64!' }), /base64/],
      [api.createSecret({ name: 'cert', data: b64('hello'), type: 'tls' }), /PEM certificate/],
      [api.createConfig({ name: 'c', data: b64('x'), type: 'tls' }), /no type/],
      [
        api.createService({ name: 'x', task: { ...image, secrets: [{ source: 'nope' }] } }),
        /not found|no secret|nope/,
      ],
    ];
    for (const [p, msg] of cases) {
      const err = await errorOf(p);
      expect(err.message).toMatch(msg);
    }
    expect(store.view((tx) => [tx.find('secret').length, tx.find('service').length])).toEqual([
      0, 0,
    ]);
    await api.createSecret({ name: 's', data: b64('x') });
    for (const target of ['a/b', '..', '']) {
      const err = await errorOf(
        api.createService({ name: 'y', task: { ...image, secrets: [{ source: 's', target }] } }),
      );
      expect(err.message).toMatch(/must be a file name/);
    }
  });

  it('stores registry credentials: checked JSON, server and user shown, password never', async () => {
    const { api } = setup();
    const cred = { server: '127.0.0.1:5000', username: 'bob', password: 'pw-123' };
    const s = await api.createSecret({
      name: 'reg',
      data: b64(JSON.stringify(cred)),
      type: 'registry',
    });
    expect(s.registry).toEqual({ server: '127.0.0.1:5000', username: 'bob' });
    expect(JSON.stringify(await api.listSecrets())).not.toContain('pw-123');
    const bad = await errorOf(
      api.createSecret({ name: 'r2', data: b64('{"server":"x"}'), type: 'registry' }),
    );
    expect(bad.message).toBe('a registry secret needs a non-empty "username"');
    const notJson = await errorOf(
      api.createSecret({ name: 'r3', data: b64('x'), type: 'registry' }),
    );
    expect(notJson.message).toMatch(/holds JSON/);
  });

  it('checks a tls secret holds a matching pair and shows its certificate', async () => {
    const { api } = setup();
    const pem = testdata('ec-pkcs8.pem');
    const s = await api.createSecret({ name: 'site', data: b64(pem), type: 'tls' });
    expect(s.spec.type).toBe('tls');
    expect(s.tls?.subject).toMatch(/web\.example\.test/);
    expect(Date.parse(s.tls?.notAfter ?? '')).toBeGreaterThan(0);
    const mismatch = testdata('mismatch.pem');
    const err = await errorOf(api.createSecret({ name: 'bad', data: b64(mismatch), type: 'tls' }));
    expect(err.message).toBe('the private key does not match the certificate');
  });

  it('secret update rolls the services that use it; config update does not', async () => {
    const { api } = setup();
    await api.createSecret({ name: 's', data: b64('v1') });
    await api.createConfig({ name: 'c', data: b64('conf1') });
    const user = await api.createService({
      name: 'u',
      task: { ...image, secrets: [{ source: 's' }] },
    });
    const other = await api.createService({
      name: 'o',
      task: { ...image, configs: [{ source: 'c' }] },
    });
    expect(other.spec.task.configs?.[0]?.target).toBe('/c');
    await api.updateSecret('s', { data: b64('v2') });
    expect((await api.getService('u')).spec.task.forceUpdate).toBe(user.spec.task.forceUpdate + 1);
    expect((await api.getSecret('s')).size).toBe(2);
    // The value it already has changes nothing: no new version, no roll.
    const before = await api.getSecret('s');
    expect((await api.updateSecret('s', { data: b64('v2') })).meta.version).toBe(
      before.meta.version,
    );
    expect((await api.getService('u')).spec.task.forceUpdate).toBe(user.spec.task.forceUpdate + 1);
    const c = await api.updateConfig('c', { data: b64('conf2') });
    expect(c.spec.data).toBe(b64('conf2'));
    expect((await api.getService('o')).meta.version).toBe(other.meta.version);
    // A config mounted with restart=true rolls its service instead.
    const rolled = await api.createService({
      name: 'r',
      task: { ...image, configs: [{ source: 'c', target: '/r.conf', restart: true }] },
    });
    await api.updateConfig('c', { data: b64('conf3') });
    expect((await api.getService('r')).spec.task.forceUpdate).toBe(
      rolled.spec.task.forceUpdate + 1,
    );
    expect((await api.getService('o')).meta.version).toBe(other.meta.version);
    const onSecret = api.createService({
      name: 'bad',
      task: { ...image, secrets: [{ source: 's', restart: true }] },
    });
    await expect(onSecret).rejects.toThrow(/restart= is for configs/);
    // A stale version is refused.
    const stale = await errorOf(api.updateConfig('c', { data: b64('x'), version: 1 }));
    expect(isSwarmletError(stale, 'CONFLICT')).toBe(true);
    // Sending a service's own spec back keeps its references (resolved by id).
    const again = await api.updateService('u', { spec: (await api.getService('u')).spec });
    expect(again.spec.task.secrets?.[0]?.name).toBe('s');
  });
});
