import { DataPlaneError, type Shell } from './shell.js';

/** One command a `RecordingShell` was asked to run. */
export interface RecordedCall {
  cmd: string;
  args: readonly string[];
  input?: string;
}

/**
 * What a `RecordingShell` answers: stdout as a string, a `DataPlaneError` to reject with, or
 * undefined for empty stdout.
 */
export type ShellResponder = (call: RecordedCall) => string | DataPlaneError | undefined;

/**
 * A fake `Shell` for unit tests: records every call in order and answers from `respond`
 * (default: empty stdout). No process is started.
 */
export class RecordingShell implements Shell {
  readonly calls: RecordedCall[] = [];

  constructor(private readonly respond: ShellResponder = () => undefined) {}

  run(cmd: string, args: readonly string[], opts?: { input?: string }): Promise<string> {
    const call: RecordedCall = { cmd, args: [...args] };
    if (opts?.input !== undefined) call.input = opts.input;
    this.calls.push(call);
    const answer = this.respond(call);
    return answer instanceof DataPlaneError
      ? Promise.reject(answer)
      : Promise.resolve(answer ?? '');
  }

  /** The recorded calls as space-joined command lines, for readable assertions. */
  lines(): string[] {
    return this.calls.map((c) => [c.cmd, ...c.args].join(' '));
  }
}

/** The error `execShell` would reject with when `line` exits with `exitCode` and `stderr`. */
export function commandFailure(line: string, stderr: string, exitCode = 1): DataPlaneError {
  return new DataPlaneError('COMMAND_FAILED', `${line}: exited with ${exitCode}: ${stderr}`, {
    failure: { command: line, exitCode, stderr },
  });
}
