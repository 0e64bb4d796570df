import { revise } from './revision.js';
import {
  SwarmletError,
  invalid,
  notFound,
  type Config,
  type DataCreateRequest,
  type DataUpdateRequest,
  type FileReference,
  type FileReferenceInput,
  type RegistryCredential,
  type Secret,
  type SecretType,
  type Service,
} from '@swarmlet/api-types';
import { checkConfigData, checkName, checkSecretData } from '@swarmlet/secrets';
import type { ReadTx, WriteTx } from '@swarmlet/store';

type DataKind = 'secret' | 'config';

/** Decodes base64 strictly: data that does not round-trip is refused, not silently cut. */
function decode(kind: DataKind, data: string): Buffer {
  const buf = Buffer.from(data, 'base64');
  if (buf.toString('base64').replace(/=+$/, '') !== data.replace(/=+$/, '')) {
    throw invalid(`${kind} data must be base64`);
  }
  return buf;
}

function resolveData<T extends Secret | Config>(all: T[], kind: DataKind, ref: string): T {
  const found =
    all.find((o) => o.id === ref) ??
    all.find((o) => o.spec.name === ref) ??
    (() => {
      const byPrefix = ref.length > 0 ? all.filter((o) => o.id.startsWith(ref)) : [];
      if (byPrefix.length > 1)
        throw new SwarmletError('INVALID_ARGUMENT', `${kind} reference "${ref}" is ambiguous`);
      return byPrefix[0];
    })();
  if (!found) throw notFound(kind, ref);
  return found;
}

export function resolveSecret(tx: ReadTx, ref: string): Secret {
  return resolveData(tx.find('secret'), 'secret', ref);
}

export function resolveConfig(tx: ReadTx, ref: string): Config {
  return resolveData(tx.find('config'), 'config', ref);
}

/**
 * Creates a secret: `opaque`, `tls` (must hold a matching PEM pair) or `registry` (JSON
 * credentials for image pulls from one server).
 */
export function createSecretTx(tx: WriteTx, req: DataCreateRequest): Secret {
  checkName('secret', req.name);
  const type = req.type ?? 'opaque';
  const extra = checkData(type, decode('secret', req.data));
  if (tx.find('secret', (s) => s.spec.name === req.name).length > 0)
    throw new SwarmletError('ALREADY_EXISTS', `secret ${req.name} already exists`);
  return tx.create('secret', {
    spec: { name: req.name, labels: req.labels ?? {}, data: req.data, type },
    ...extra,
  });
}

/** Checks a secret's data for its type; what the secret shows of it (certificate, registry). */
function checkData(type: SecretType, data: Buffer): Pick<Secret, 'tls' | 'registry'> {
  if (type !== 'registry') {
    const tls = checkSecretData(data, type);
    return tls ? { tls } : {};
  }
  checkSecretData(data, 'opaque'); // size
  let cred: Partial<RegistryCredential>;
  try {
    cred = JSON.parse(data.toString('utf8')) as Partial<RegistryCredential>;
  } catch {
    throw invalid('a registry secret holds JSON: {"server", "username", "password"}');
  }
  for (const k of ['server', 'username', 'password'] as const) {
    if (typeof cred[k] !== 'string' || cred[k] === '')
      throw invalid(`a registry secret needs a non-empty "${k}"`);
  }
  return { registry: { server: cred.server!, username: cred.username! } };
}

/**
 * A new value for a secret. Secrets are immutable in a task (its tmpfs holds the value it
 * started with), so every service using it rolls its tasks: its `forceUpdate` is bumped in the
 * same transaction, and the orchestrator replaces the tasks as for any spec change. The value
 * it already has changes nothing (`stack deploy` sends every secret again: the API hides them).
 */
export function updateSecretTx(tx: WriteTx, ref: string, req: DataUpdateRequest): Secret {
  const cur = resolveSecret(tx, ref);
  checkVersion('secret', cur, req.version);
  const type = cur.spec.type ?? 'opaque';
  const value = decode('secret', req.data);
  if (value.equals(Buffer.from(cur.spec.data, 'base64'))) return cur;
  const extra = checkData(type, value);
  const updated = tx.update('secret', { ...cur, spec: { ...cur.spec, data: req.data }, ...extra });
  for (const svc of servicesUsing(tx, 'secret', cur.id)) {
    const task = { ...svc.spec.task, forceUpdate: svc.spec.task.forceUpdate + 1 };
    tx.update('service', revise(svc, { ...svc.spec, task }, Date.now()));
  }
  return updated;
}

export function removeSecretTx(tx: WriteTx, ref: string): void {
  const cur = resolveSecret(tx, ref);
  refuseInUse(tx, 'secret', cur);
  tx.delete('secret', cur.id);
}

export function createConfigTx(tx: WriteTx, req: DataCreateRequest): Config {
  checkName('config', req.name);
  if (req.type !== undefined) throw invalid('a config has no type (that is for secrets)');
  checkConfigData(decode('config', req.data));
  if (tx.find('config', (c) => c.spec.name === req.name).length > 0)
    throw new SwarmletError('ALREADY_EXISTS', `config ${req.name} already exists`);
  return tx.create('config', {
    spec: { name: req.name, labels: req.labels ?? {}, data: req.data },
  });
}

/**
 * A new value for a config: running tasks get it in place (no restart), except in services that
 * mount it with `restart=true`, which roll their tasks as for a secret.
 */
export function updateConfigTx(tx: WriteTx, ref: string, req: DataUpdateRequest): Config {
  const cur = resolveConfig(tx, ref);
  checkVersion('config', cur, req.version);
  checkConfigData(decode('config', req.data));
  const updated = tx.update('config', { ...cur, spec: { ...cur.spec, data: req.data } });
  for (const svc of servicesUsing(tx, 'config', cur.id)) {
    if (!svc.spec.task.configs?.some((r) => r.id === cur.id && r.restart)) continue;
    const task = { ...svc.spec.task, forceUpdate: svc.spec.task.forceUpdate + 1 };
    tx.update('service', revise(svc, { ...svc.spec, task }, Date.now()));
  }
  return updated;
}

export function removeConfigTx(tx: WriteTx, ref: string): void {
  const cur = resolveConfig(tx, ref);
  refuseInUse(tx, 'config', cur);
  tx.delete('config', cur.id);
}

function checkVersion(kind: DataKind, cur: Secret | Config, version: number | undefined): void {
  if (version !== undefined && version !== cur.meta.version) {
    throw new SwarmletError(
      'CONFLICT',
      `${kind} ${cur.spec.name} changed since version ${version} (now ${cur.meta.version}); read it again`,
    );
  }
}

function servicesUsing(tx: ReadTx, kind: DataKind, id: string): Service[] {
  return tx.find(
    'service',
    (s) =>
      (kind === 'secret' ? s.spec.task.secrets : s.spec.task.configs)?.some((r) => r.id === id) ??
      false,
  );
}

function refuseInUse(tx: ReadTx, kind: DataKind, cur: Secret | Config): void {
  const users = servicesUsing(tx, kind, cur.id).map((s) => s.spec.name);
  if (users.length > 0) {
    throw new SwarmletError(
      'FAILED_PRECONDITION',
      `${kind} ${cur.spec.name} is in use by service ${users.join(', ')}`,
    );
  }
}

/**
 * A service's `--secret`/`--config` sources resolved to stored objects, with Docker's defaults:
 * secrets at /run/secrets/<target> (target: a file name, default the secret's name), configs at
 * an absolute path (default /<name>), uid/gid 0, mode 0444. Two references may not share a
 * target.
 */
export function resolveFileReferences(
  tx: ReadTx,
  kind: DataKind,
  refs: readonly FileReferenceInput[] | undefined,
): FileReference[] | undefined {
  if (!refs || refs.length === 0) return undefined;
  const out: FileReference[] = [];
  for (const r of refs) {
    const source = r.source ?? r.id ?? r.name;
    if (!source) throw invalid(`--${kind} needs a source (the ${kind}'s name)`);
    const obj = kind === 'secret' ? resolveSecret(tx, source) : resolveConfig(tx, source);
    let target = r.target ?? obj.spec.name;
    if (kind === 'secret') {
      if (target.includes('/') || target === '.' || target === '..' || target === '')
        throw invalid(`secret target "${target}" must be a file name (it goes in /run/secrets)`);
    } else {
      if (!target.startsWith('/')) target = `/${target}`;
      if (target.split('/').includes('..') || target === '/')
        throw invalid(`config target "${target}" must be an absolute file path`);
    }
    if (out.some((o) => o.target === target))
      throw invalid(`two ${kind}s have the target ${target}`);
    if (r.restart && kind === 'secret')
      throw invalid('restart= is for configs (a secret update always rolls the service)');
    out.push({
      id: obj.id,
      name: obj.spec.name,
      target,
      uid: r.uid ?? 0,
      gid: r.gid ?? 0,
      mode: r.mode ?? 0o444,
      ...(r.restart ? { restart: true } : {}),
    });
  }
  return out;
}
