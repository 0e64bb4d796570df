import { readFileSync } from 'node:fs';
import { SwarmletClient } from '@swarmlet/client';
import { resolveEndpoint, type ConnectionFlags } from './endpoint.js';
import type { CliIo, Output } from './io.js';
import { UsageError } from './errors.js';
import { withTlsHints } from './tls.js';

function readUtf8(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Shared by every command: IO, the lazily opened client, and output helpers. */
export class CommandContext {
  private opened: SwarmletClient | undefined;
  /** Full name of the running command (`swarmlet service create`), for usage hints. */
  command = 'swarmlet';

  constructor(
    readonly io: CliIo,
    private readonly connection: () => ConnectionFlags,
  ) {}

  get out(): Output {
    return this.io.stdout;
  }

  /**
   * The client for `--host`/`--socket` and the TLS options, opened on first use (so `--help`
   * needs no daemon and no certificate files). TLS failures come back with a hint.
   */
  client(): SwarmletClient {
    if (!this.opened) {
      const endpoint = resolveEndpoint(
        this.connection(),
        this.io.env,
        this.io.readFile ?? readUtf8,
      );
      this.opened = withTlsHints(new SwarmletClient(endpoint), endpoint);
    }
    return this.opened;
  }

  /** Messages for the user that are not the command's output (stdout stays pipeable). */
  note(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  now(): Date {
    return this.io.now?.() ?? new Date();
  }

  get pollMs(): number {
    return this.io.pollMs ?? 200;
  }

  print(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** One line per item; nothing at all for an empty list (so `-q` output pipes cleanly). */
  printLines(lines: readonly string[]): void {
    for (const l of lines) this.io.stdout.write(`${l}\n`);
  }

  /** Docker prints JSON with 4-space indentation. */
  printJson(value: unknown): void {
    this.print(JSON.stringify(value, null, 4));
  }

  async close(): Promise<void> {
    await this.opened?.close();
  }
}

/** Output formats accepted by `--format` (docker's Go templates are not supported). */
export type OutputFormat = 'table' | 'json';

/** Checks `--format`: `table` (default) or `json`. */
export function outputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === 'table') return 'table';
  if (value === 'json') return 'json';
  throw new UsageError(
    `invalid argument "${value}" for "--format": only "json" and "table" are supported`,
  );
}
