import { UsageError } from '../errors.js';

/** Commander accumulator for repeatable flags (`-e A=1 -e B=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `K=V` pairs into a map; a bare `K` means an empty value, as in docker's `--label`. */
export function parseLabels(flag: string, pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    if (key.trim() === '') {
      throw new UsageError(`invalid argument "${pair}" for "${flag}": empty key`);
    }
    labels[key] = eq === -1 ? '' : pair.slice(eq + 1);
  }
  return labels;
}

/** Checks `KEY=VALUE` env entries: the key must be non-empty and contain no whitespace. */
export function parseEnv(flag: string, entries: readonly string[]): string[] {
  for (const entry of entries) {
    const key = entry.split('=', 1)[0] ?? '';
    if (key === '' || /\s/.test(key)) {
      throw new UsageError(`invalid argument "${entry}" for "${flag}": variable name is invalid`);
    }
  }
  return [...entries];
}

/**
 * Splits a command line like a POSIX shell without expansion (docker's `--entrypoint` is a
 * shlex string): whitespace separates words, quotes group, backslash escapes outside single quotes.
 */
export function shellSplit(input: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i] ?? '';
    if (quote === "'" ? ch === "'" : quote === '"' && ch === '"') {
      quote = undefined;
    } else if (quote === undefined && (ch === "'" || ch === '"')) {
      quote = ch;
      word ??= '';
    } else if (ch === '\\' && quote !== "'" && i + 1 < input.length) {
      word = (word ?? '') + (input[++i] ?? '');
    } else if (quote === undefined && /\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote !== undefined) throw new Error(`unterminated quote in ${JSON.stringify(input)}`);
  if (word !== undefined) words.push(word);
  return words;
}

/** Parses a non-negative integer flag value (`--replicas 3`). */
export function parseCount(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new UsageError(
      `invalid argument "${value}" for "${flag}": must be a non-negative integer`,
    );
  }
  return Number(value);
}

/**
 * Docker's `-e KEY` shorthand: a bare name takes its value from the CLI's environment, if set
 * there; otherwise it is passed on as it is.
 */
export function expandEnv(
  entries: readonly string[],
  env: Record<string, string | undefined>,
): string[] {
  return entries.map((e) => {
    const value = e.includes('=') ? undefined : env[e];
    return value === undefined ? e : `${e}=${value}`;
  });
}
