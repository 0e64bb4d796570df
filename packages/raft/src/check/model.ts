/**
 * One completed (or pending) operation of a concurrent history. `call` and
 * `ret` are times on one clock; `ret = Infinity` with `output = undefined`
 * marks an operation whose outcome is unknown (it may or may not have taken
 * effect, at any point after `call`).
 */
export interface Operation<I, O> {
  clientId: string;
  input: I;
  output: O | undefined;
  call: number;
  ret: number;
}

/**
 * A sequential specification (Porcupine's Model). `step` must be pure: given a
 * state and an operation's input/output, say whether the output is possible
 * and return the next state (`output === undefined` means "any output").
 */
export interface Model<S, I, O> {
  init(): S;
  step(state: S, input: I, output: O | undefined): { ok: boolean; state: S };
  /** Canonical string of a state, for the memo cache (equal states ⇒ equal keys). */
  key(state: S): string;
  /** Splits a history into independent sub-histories (e.g. per key). Default: one. */
  partition?(history: Operation<I, O>[]): Operation<I, O>[][];
  /** Human-readable op, for failure reports. */
  describe?(op: Operation<I, O>): string;
}
