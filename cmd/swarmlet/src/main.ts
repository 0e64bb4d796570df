#!/usr/bin/env node
import { run } from './program.js';

// The composition root of the CLI: real process streams, environment and Ctrl-C.
const controller = new AbortController();
process.once('SIGINT', () => {
  // First Ctrl-C stops a progress wait cleanly (exit 130); if the CLI is stuck elsewhere (a slow
  // request), it still exits shortly after, and a second Ctrl-C exits at once.
  controller.abort();
  setTimeout(() => process.exit(130), 2000).unref();
  process.once('SIGINT', () => process.exit(130));
});

const code = await run(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
