/**
 * A mistake on the command line (bad flag value, bad filter, malformed NAME=N). Printed as
 * `swarmlet: <message>` plus a pointer to `--help`, exit status 1. Distinct from
 * `SwarmletError`s, which come from the daemon and print as `Error: <message>`.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `invalid argument "5x" for "--restart-delay": <why>`, docker's wording for bad flag values. */
export function invalidFlag(flag: string, value: string, why: string): UsageError {
  return new UsageError(`invalid argument "${value}" for "${flag}": ${why}`);
}

/** Message of any thrown value, for parsers that wrap errors of helpers. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Several targets failed (`service rm a b`): each message prints as its own `Error:` line. */
export class ManyErrors extends Error {
  override readonly name = 'ManyErrors';

  constructor(readonly messages: string[]) {
    super(messages.join('\n'));
  }
}

/**
 * Runs `fn` for every target, continuing past failures like docker's multi-target commands,
 * then throws `ManyErrors` if any failed.
 */
export async function forEachTarget<T>(
  targets: readonly T[],
  fn: (t: T) => Promise<void>,
): Promise<void> {
  const messages: string[] = [];
  for (const t of targets) {
    try {
      await fn(t);
    } catch (err) {
      messages.push(messageOf(err));
    }
  }
  if (messages.length > 0) throw new ManyErrors(messages);
}
