import { isAbsolute, resolve } from 'node:path';
import type { FileReferenceInput, ServiceSpecInput } from '@swarmlet/api-types';
import { parseDotEnv } from './dotenv.js';
import type { StackData } from './model.js';
import {
  asBool,
  asInt,
  asList,
  asMap,
  asString,
  asStringList,
  composeError,
  isMap,
  type RawMap,
} from './raw.js';
import { splitWords } from './shellwords.js';
import { parseDuration, parseMode } from './units.js';

type Healthcheck = NonNullable<ServiceSpecInput['task']['container']['healthcheck']>;

/** `command`/`entrypoint`: a list as is, a string split like a shell would. */
export function words(v: unknown, where: string): string[] {
  return typeof v === 'string' ? splitWords(v, where) : asStringList(v, where);
}

/** What environment conversion reads besides the service. */
export interface EnvContext {
  projectDir: string;
  vars: Readonly<Record<string, string | undefined>>;
  readFile(path: string): Buffer;
}

/**
 * `env_file`s in order, then `environment` over them, as `KEY=VALUE`. A key without a value
 * takes the variable from the environment (and is left out when that is unset), as Compose.
 */
export function convertEnv(raw: RawMap, ctx: EnvContext, where: string): string[] {
  const merged: Record<string, string | null> = {};
  for (const [i, entry] of asList(raw['env_file'], `${where}.env_file`).entries()) {
    const at = `${where}.env_file[${i}]`;
    const m = isMap(entry) ? entry : { path: entry };
    const file = asString(m['path'], at);
    const required = m['required'] === undefined || asBool(m['required'], `${at}.required`);
    const path = isAbsolute(file) ? file : resolve(ctx.projectDir, file);
    let text: string;
    try {
      text = ctx.readFile(path).toString('utf8');
    } catch {
      if (!required) continue;
      throw composeError(at, `cannot read env file ${path}`);
    }
    Object.assign(merged, parseDotEnv(text, path));
  }
  Object.assign(merged, raw['environment'] ?? {});
  const env: string[] = [];
  for (const [k, v] of Object.entries(merged)) {
    const value = v ?? ctx.vars[k];
    if (value !== undefined) env.push(`${k}=${value}`);
  }
  return env;
}

/**
 * `healthcheck:` with durations in ms; `disable: true` is `['NONE']`; a string test runs with
 * the shell (`CMD-SHELL`); a list must start with NONE, CMD or CMD-SHELL.
 */
export function convertHealthcheck(raw: RawMap, where: string): Healthcheck {
  if (raw['disable'] !== undefined && asBool(raw['disable'], `${where}.disable`))
    return { test: ['NONE'] };
  const h: Healthcheck = {};
  const test = raw['test'];
  if (typeof test === 'string') h.test = ['CMD-SHELL', test];
  else if (test !== undefined) {
    const list = asStringList(test, `${where}.test`);
    if (!['NONE', 'CMD', 'CMD-SHELL'].includes(list[0] ?? ''))
      throw composeError(`${where}.test`, 'a list test starts with NONE, CMD or CMD-SHELL');
    h.test = list;
  }
  if (raw['interval'] !== undefined)
    h.intervalMs = parseDuration(raw['interval'], `${where}.interval`);
  if (raw['timeout'] !== undefined) h.timeoutMs = parseDuration(raw['timeout'], `${where}.timeout`);
  if (raw['retries'] !== undefined) h.retries = asInt(raw['retries'], `${where}.retries`);
  if (raw['start_period'] !== undefined)
    h.startPeriodMs = parseDuration(raw['start_period'], `${where}.start_period`);
  return h;
}

function uidGid(v: unknown, where: string): number {
  return asInt(typeof v === 'string' ? v.trim() : v, where);
}

/**
 * A service's `secrets:`/`configs:` (short: the key; long: source, target, uid, gid, mode) as
 * references to the stack's objects. Targets default as Docker's: a secret at
 * /run/secrets/<key>, a config at /<key>. An undeclared source is an error.
 */
export function convertFileRefs(
  kind: 'secrets' | 'configs',
  v: unknown,
  declared: ReadonlyMap<string, StackData>,
  where: string,
): FileReferenceInput[] {
  return asList(v, where).map((entry, i) => {
    const at = `${where}[${i}]`;
    const raw = isMap(entry) ? entry : { source: asString(entry, at) };
    const key = asString(raw['source'], `${at}.source`);
    const obj = declared.get(key);
    if (!obj)
      throw composeError(
        at,
        `${kind.slice(0, -1)} "${key}" is not declared in the top-level ${kind}`,
      );
    const ref: FileReferenceInput = {
      source: obj.name,
      target:
        raw['target'] === undefined
          ? kind === 'secrets'
            ? key
            : `/${key}`
          : asString(raw['target'], `${at}.target`),
    };
    if (raw['uid'] !== undefined) ref.uid = uidGid(raw['uid'], `${at}.uid`);
    if (raw['gid'] !== undefined) ref.gid = uidGid(raw['gid'], `${at}.gid`);
    if (raw['mode'] !== undefined) ref.mode = parseMode(raw['mode'], `${at}.mode`);
    return ref;
  });
}

/** The keys of a service's `networks:` (normalized to a map), or `['default']` when absent. */
export function networkKeys(raw: RawMap, where: string): string[] {
  if (raw['networks'] === undefined || raw['networks'] === null) return ['default'];
  return Object.keys(asMap(raw['networks'], `${where}.networks`));
}
