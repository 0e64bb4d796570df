import { isIPv4 } from 'node:net';
import { DataPlaneError } from './shell.js';

/** Throws `INVALID_ARGUMENT` unless `addr` is a dotted-quad IPv4 address (no prefix). */
export function checkIPv4(what: string, addr: string): void {
  if (!isIPv4(addr)) invalid(`${what}: not an IPv4 address: ${JSON.stringify(addr)}`);
}

/** Throws `INVALID_ARGUMENT` unless `name` is a valid Linux interface name (1-15 safe chars). */
export function checkLinkName(what: string, name: string): void {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name) || name === '.' || name === '..') {
    invalid(`${what}: invalid interface name ${JSON.stringify(name)}`);
  }
}

/** Throws `INVALID_ARGUMENT` unless `n` is an integer in [min, max]. */
export function checkInt(what: string, n: number, min: number, max: number): void {
  if (!Number.isInteger(n) || n < min || n > max) {
    invalid(`${what}: ${n} is not an integer in [${min}, ${max}]`);
  }
}

/** Throws `INVALID_ARGUMENT` unless `chain` is a safe iptables chain or table name. */
export function checkChainName(what: string, chain: string): void {
  if (!/^[A-Za-z0-9_-]{1,28}$/.test(chain))
    invalid(`${what}: invalid chain ${JSON.stringify(chain)}`);
}

/** Lower-cases `mac` and throws `INVALID_ARGUMENT` unless it is six colon-separated hex octets. */
export function normalizeMac(what: string, mac: string): string {
  const lower = mac.toLowerCase();
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(lower)) {
    invalid(`${what}: invalid MAC ${JSON.stringify(mac)}`);
  }
  return lower;
}

function invalid(message: string): never {
  throw new DataPlaneError('INVALID_ARGUMENT', message);
}
