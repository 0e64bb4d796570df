/** A place the CLI writes to: process.stdout in production, a buffer in tests. */
export interface Output {
  write(s: string): void;
  /** Redraw progress in place only on a terminal. */
  isTTY?: boolean;
  columns?: number;
}

/**
 * Everything the CLI takes from its process, injected so tests can run it in-process:
 * streams, environment, Ctrl-C, the clock and files.
 */
export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  /** Aborted on SIGINT: waits stop and the CLI exits 130. */
  signal?: AbortSignal;
  /** Poll interval of progress displays (default 200 ms). */
  pollMs?: number;
  now?: () => Date;
  /** Reads `--tlscacert` and the other PEM files (default `fs.readFileSync` as UTF-8). */
  readFile?: (path: string) => string;
}
