#!/usr/bin/env node
import { pino } from 'pino';
import { isSwarmletError } from '@swarmlet/api-types';
import { parseConfig, USAGE } from './config.js';
import { Daemon } from './daemon.js';

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`swarmletd: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (cfg === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const log = pino({ level: cfg.logLevel, base: { pid: process.pid } });
  let daemon: Daemon;
  try {
    daemon = await Daemon.start(cfg, log);
  } catch (err) {
    log.fatal({ err }, 'daemon failed to start');
    process.stderr.write(`swarmletd: ${isSwarmletError(err) ? err.message : String(err)}\n`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Containers keep running either way; never hang a shutdown on a peer that went away.
    setTimeout(() => {
      log.warn({}, 'shutdown took over 5 s: exiting anyway');
      process.exit(0);
    }, 5_000).unref();
    daemon.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
