import { messageOf, UsageError } from '../errors.js';
import { flagValue } from './service-flags.js';

/** `[v6]:port` or `name:port` (port optional), then a bare IPv6 address. */
function splitAddr(s: string): { host: string; port: string | undefined } | undefined {
  const m =
    /^\[([0-9A-Fa-f:.]+)\](?::([^:]*))?$/.exec(s) ?? /^([A-Za-z0-9._-]+)(?::([^:]*))?$/.exec(s);
  if (m) return { host: m[1] ?? '', port: m[2] };
  if (/^[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*$/.test(s)) return { host: s, port: undefined };
  return undefined;
}

/**
 * Checks a cluster address `HOST[:PORT]` (HOST an IP, a name or an interface name; IPv6 as
 * `[::1]:4242` or bare `::1`) and returns it trimmed, otherwise unchanged: the daemon applies
 * the default port (4242), so that the CLI and the daemon cannot disagree on it. Throws an Error
 * saying what is wrong.
 */
export function checkAddr(addr: string): string {
  const s = addr.trim();
  const parts = splitAddr(s);
  if (!parts) throw new Error('expected HOST or HOST:PORT');
  const { port } = parts;
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw new Error('port must be 1-65535');
  }
  return s;
}

/** `checkAddr` for a flag value: a failure is docker's `invalid argument "x" for "--flag"`. */
export function addrFlag(flag: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : flagValue(flag, value, checkAddr);
}

/** The `MANAGER_ADDR` argument of `join`. */
export function managerAddrArg(value: string): string {
  try {
    return checkAddr(value);
  } catch (err) {
    throw new UsageError(`invalid manager address "${value}": ${messageOf(err)}`);
  }
}
