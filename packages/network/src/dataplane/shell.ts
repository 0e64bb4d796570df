import { execFile } from 'node:child_process';

/** The codes a `DataPlaneError` carries. */
export const DATAPLANE_ERROR_CODES = [
  'COMMAND_FAILED',
  'INVALID_ARGUMENT',
  'UNEXPECTED_OUTPUT',
] as const;
export type DataPlaneErrorCode = (typeof DATAPLANE_ERROR_CODES)[number];

/** Details of a failed command, kept on the error so callers can tell "absent" from "broken". */
export interface CommandFailure {
  /** The command line, space-joined, for messages only. */
  command: string;
  /** The exit status, or undefined when the process was killed (timeout) or never started. */
  exitCode?: number;
  stderr: string;
}

/**
 * Every failure of the data-plane helpers. `COMMAND_FAILED` carries `failure` (the command line,
 * exit status and stderr); `INVALID_ARGUMENT` is thrown before any command runs.
 */
export class DataPlaneError extends Error {
  override readonly name = 'DataPlaneError';
  readonly code: DataPlaneErrorCode;
  readonly failure: CommandFailure | undefined;

  constructor(
    code: DataPlaneErrorCode,
    message: string,
    options: { failure?: CommandFailure; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.failure = options.failure;
  }
}

/** True when `err` is a `COMMAND_FAILED` whose stderr contains one of `needles` (case-insensitive). */
export function commandFailedWith(err: unknown, needles: readonly string[]): boolean {
  if (!(err instanceof DataPlaneError) || err.failure === undefined) return false;
  const stderr = err.failure.stderr.toLowerCase();
  return needles.some((n) => stderr.includes(n.toLowerCase()));
}

/**
 * Runs one command without a shell (arguments are passed as they are, never interpreted) and
 * resolves with its stdout. Rejects with `DataPlaneError` `COMMAND_FAILED` on a non-zero exit,
 * a timeout or a missing binary. `input`, when given, is written to stdin.
 */
export interface Shell {
  run(cmd: string, args: readonly string[], opts?: { input?: string }): Promise<string>;
}

/** Options of `execShell`. */
export interface ExecShellOptions {
  /** Kill the command after this long (SIGKILL); default 10 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 16 * 1024 * 1024;

/** The real `Shell`: `child_process.execFile`, one process per call, with a timeout. */
export function execShell(options: ExecShellOptions = {}): Shell {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    run: (cmd, args, opts) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(
          cmd,
          [...args],
          { timeout, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT, encoding: 'utf8' },
          (err, stdout, stderr) => {
            if (err === null) {
              resolve(stdout);
              return;
            }
            reject(commandError(cmd, args, err, stderr, timeout));
          },
        );
        // A command that does not read its stdin closes the pipe early: ignore EPIPE, the exit
        // status says whether it worked.
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(opts?.input ?? '');
      }),
  };
}

function commandError(
  cmd: string,
  args: readonly string[],
  err: Error & { code?: unknown; killed?: boolean },
  stderr: string,
  timeout: number,
): DataPlaneError {
  const command = [cmd, ...args].join(' ');
  const exitCode = typeof err.code === 'number' ? err.code : undefined;
  const why =
    err.killed === true
      ? `timed out after ${timeout} ms`
      : exitCode !== undefined
        ? `exited with ${exitCode}`
        : err.message;
  const detail = stderr.trim();
  return new DataPlaneError(
    'COMMAND_FAILED',
    `${command}: ${why}${detail === '' ? '' : `: ${detail}`}`,
    { failure: { command, stderr, ...(exitCode === undefined ? {} : { exitCode }) }, cause: err },
  );
}

/**
 * Runs every command in the network namespace of process `pid` (`nsenter -t PID -n -- CMD ...`);
 * mount and other namespaces stay the caller's, so the binaries are the host's.
 */
export function inNetns(sh: Shell, pid: number): Shell {
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new DataPlaneError('INVALID_ARGUMENT', `inNetns: invalid pid ${pid}`);
  }
  return prefixed(sh, 'nsenter', ['-t', String(pid), '-n', '--']);
}

/**
 * Runs every command in the named network namespace `name` (`ip netns add NAME`), by
 * `nsenter --net=/var/run/netns/NAME`. Unlike `ip netns exec` it leaves /sys and the mount
 * namespace alone, which is cheaper and works where cgroups are not mounted.
 */
export function inNamedNetns(sh: Shell, name: string): Shell {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') {
    throw new DataPlaneError('INVALID_ARGUMENT', `inNamedNetns: invalid namespace name ${name}`);
  }
  return prefixed(sh, 'nsenter', [`--net=/var/run/netns/${name}`, '--']);
}

function prefixed(sh: Shell, wrapper: string, wrapperArgs: readonly string[]): Shell {
  return {
    run: (cmd, args, opts) => sh.run(wrapper, [...wrapperArgs, cmd, ...args], opts),
  };
}
