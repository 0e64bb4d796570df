import { SwarmletError } from '@swarmlet/api-types';
import { openText, sealText } from './envelope.js';
import { dataLoss } from './errors.js';

/** The shape a sealed string takes in the tree: `{ $sealed: '<base64 of a sealed blob>' }`. */
export interface SealedField {
  $sealed: string;
}

/**
 * Decides which strings get sealed, from their path in the tree: object keys, and array indices
 * as decimal strings (`['secrets', '0', 'spec', 'data']`).
 */
export type SecretPathPredicate = (path: readonly string[]) => boolean;

// Domain separation: a sealed field never opens as a blob sealed for another use of the same DEK.
const FIELD_AAD = Buffer.from('swarmlet sealed field v1', 'utf8');
const SEALED_KEY = '$sealed';

/**
 * A deep copy of value in which every string at a path where isSecret holds is replaced by a
 * `SealedField` (AES-256-GCM under dek, see `seal`). Other values are copied unchanged; isSecret
 * is not asked about non-string values, only about the strings in them.
 * value must be JSON-shaped (plain objects, arrays, strings, numbers, booleans, null, undefined);
 * anything else, or an object that already has a `$sealed` key (so `openFields` could not tell it
 * from a sealed one), throws INVALID_ARGUMENT naming the path. The input is never modified.
 */
export function sealFields(value: unknown, dek: Buffer, isSecret: SecretPathPredicate): unknown {
  return walk(value, [], (node, path) => {
    if (isObject(node) && SEALED_KEY in node) {
      throw new SwarmletError('INVALID_ARGUMENT', `cannot seal: ${where(path)} has a $sealed key`);
    }
    if (typeof node === 'string' && isSecret(path)) {
      return { done: true, value: { [SEALED_KEY]: sealText(dek, node, FIELD_AAD) } };
    }
    return { done: false };
  });
}

/**
 * The reverse of `sealFields`: a deep copy in which every `SealedField` is replaced by its
 * plaintext string. Only objects with a `$sealed` key are touched. Throws a data-loss SwarmletError
 * (see `DATA_LOSS_CODE`) on a wrong key, a tampered field or a malformed `$sealed` object, so
 * either the whole tree opens or nothing is returned.
 */
export function openFields(value: unknown, dek: Buffer): unknown {
  return walk(value, [], (node, path) => {
    if (!isObject(node) || !(SEALED_KEY in node)) return { done: false };
    const sealed = node[SEALED_KEY];
    if (Object.keys(node).length !== 1 || typeof sealed !== 'string') {
      throw dataLoss(`cannot decrypt: malformed sealed field at ${where(path)}`);
    }
    try {
      return { done: true, value: openText(dek, sealed, FIELD_AAD) };
    } catch (cause) {
      throw dataLoss(`cannot decrypt the sealed field at ${where(path)}`, cause);
    }
  });
}

/**
 * A predicate for `sealFields` that holds for paths equal to one of patterns, where a `*`
 * segment matches any one key or index: `secretPaths(['secrets', '*', 'spec', 'data'])`.
 */
export function secretPaths(...patterns: (readonly string[])[]): SecretPathPredicate {
  return (path) =>
    patterns.some((p) => p.length === path.length && p.every((s, i) => s === '*' || s === path[i]));
}

type Visit = (node: unknown, path: string[]) => { done: true; value: unknown } | { done: false };

function walk(node: unknown, path: string[], visit: Visit): unknown {
  const hit = visit(node, path);
  if (hit.done) return hit.value;
  if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, String(i)], visit));
  if (isObject(node)) {
    // fromEntries defines own properties, so a `__proto__` key stays data and changes no prototype.
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k], visit)]),
    );
  }
  if (node === null || node === undefined) return node;
  if (['string', 'number', 'boolean'].includes(typeof node)) return node;
  throw new SwarmletError('INVALID_ARGUMENT', `cannot copy ${where(path)}: not a JSON value`);
}

/** A plain object (from a literal or JSON.parse), not an array or a class instance. */
function isObject(node: unknown): node is Record<string, unknown> {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
  const proto = Object.getPrototypeOf(node) as unknown;
  return proto === Object.prototype || proto === null;
}

function where(path: readonly string[]): string {
  return path.length === 0 ? 'the root' : path.join('.');
}
