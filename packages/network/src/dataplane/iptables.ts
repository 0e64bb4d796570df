/** iptables IO: `applyChains` and `removeChains` (the rule text comes from rules.ts). */
import type { ChainJump } from './rules.js';
import { DataPlaneError, commandFailedWith, type Shell } from './shell.js';
import { checkChainName } from './validate.js';

/** The tables `applyChains` manages. */
export type IptablesTable = 'nat' | 'filter';

/** Wait up to this many seconds for the xtables lock (legacy backend; nft ignores it). */
const LOCK_WAIT = ['-w', '5'];
/** What iptables says when a chain or rule is absent (nft and legacy wording). */
const ABSENT = ['no chain/target/match', 'does not exist', 'bad rule'];

/**
 * Replaces the contents of the chains declared in `rules` (an `iptables-restore` input for
 * `table`, as the generators in rules.ts produce) in one `iptables-restore --noflush`
 * transaction, creating them if missing, then makes each jump exist exactly once, inserted at
 * the top of its parent. Order matters: the chains exist and are filled before anything jumps to
 * them, and a missing jump is inserted before duplicates are removed, so traffic never passes
 * without one. Parents must exist (built-in chains, or `DOCKER-USER` where Docker runs). Other
 * chains and rules are never touched.
 */
export async function applyChains(
  sh: Shell,
  table: IptablesTable,
  jumps: readonly ChainJump[],
  rules: string,
): Promise<void> {
  checkJumps(jumps);
  if (!rules.startsWith(`*${table}\n`)) {
    throw new DataPlaneError('INVALID_ARGUMENT', `applyChains: rules are not for table ${table}`);
  }
  await sh.run('iptables-restore', [...LOCK_WAIT, '--noflush'], { input: rules });
  for (const jump of jumps) await ensureJump(sh, table, jump);
}

/**
 * Refills chains whose jumps `applyChains` already made: the `rules` of one or more tables (each
 * `*table ... COMMIT`) in a single `iptables-restore --noflush`, so one process replaces them
 * atomically. Use `applyChains` first (and again if the chains may be gone).
 */
export async function refillChains(sh: Shell, rules: string): Promise<void> {
  if (!/^\*(nat|filter)\n/.test(rules)) {
    throw new DataPlaneError('INVALID_ARGUMENT', 'refillChains: rules must start with a table');
  }
  await sh.run('iptables-restore', [...LOCK_WAIT, '--noflush'], { input: rules });
}

/**
 * Removes every rule of each parent that jumps to one of our chains, then flushes and deletes
 * the chains. Absent jumps, chains and parents are fine (clean-up after a partial setup).
 */
export async function removeChains(
  sh: Shell,
  table: IptablesTable,
  jumps: readonly ChainJump[],
): Promise<void> {
  checkJumps(jumps);
  for (const jump of jumps) {
    for (const line of await jumpLines(sh, table, jump)) {
      await tolerant(sh.run('iptables', [...LOCK_WAIT, '-t', table, ...deleteArgs(line)]));
    }
  }
  const chains = [...new Set(jumps.map((j) => j.chain))];
  for (const chain of chains)
    await tolerant(sh.run('iptables', [...LOCK_WAIT, '-t', table, '-F', chain]));
  for (const chain of chains)
    await tolerant(sh.run('iptables', [...LOCK_WAIT, '-t', table, '-X', chain]));
}

async function ensureJump(sh: Shell, table: IptablesTable, jump: ChainJump): Promise<void> {
  const spec = [jump.parent, ...(jump.match ?? []), '-j', jump.chain];
  const existing = await jumpLines(sh, table, jump);
  const present = await sh.run('iptables', [...LOCK_WAIT, '-t', table, '-C', ...spec]).then(
    () => true,
    (err: unknown) => {
      if (commandFailedWith(err, ABSENT)) return false;
      throw err;
    },
  );
  if (present && existing.length === 1) return;
  await sh.run('iptables', [...LOCK_WAIT, '-t', table, '-I', jump.parent, '1', ...spec.slice(1)]);
  // Remove what was there before (duplicates, or a jump with other matches). `-D` by spec
  // deletes the first equal rule, possibly the one just inserted; the count still ends at one.
  for (const line of existing) {
    await sh.run('iptables', [...LOCK_WAIT, '-t', table, ...deleteArgs(line)]);
  }
}

/** The `iptables -S PARENT` lines of `table` that jump to `jump.chain`; none if PARENT is absent. */
async function jumpLines(sh: Shell, table: IptablesTable, jump: ChainJump): Promise<string[]> {
  let out: string;
  try {
    out = await sh.run('iptables', [...LOCK_WAIT, '-t', table, '-S', jump.parent]);
  } catch (err) {
    if (commandFailedWith(err, ABSENT)) return [];
    throw err;
  }
  return jumpsTo(out, jump.parent, jump.chain);
}

/** The rules of `iptables -S` output appended to `parent` whose target is `chain` (pure). */
export function jumpsTo(listing: string, parent: string, chain: string): string[] {
  return listing
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`-A ${parent} `) && / -[jg] (\S+)$/.exec(l)?.[1] === chain);
}

/** `-A PARENT rest` as `-D PARENT rest` arguments. Our rules hold no quoted strings. */
function deleteArgs(line: string): string[] {
  return ['-D', ...line.split(/\s+/).slice(1)];
}

async function tolerant(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!commandFailedWith(err, ABSENT)) throw err;
  }
}

function checkJumps(jumps: readonly ChainJump[]): void {
  for (const j of jumps) {
    checkChainName('parent', j.parent);
    checkChainName('chain', j.chain);
  }
}
