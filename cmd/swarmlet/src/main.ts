#!/usr/bin/env node
import { run } from './program.js';

// The composition root of the CLI: real process streams, environment and Ctrl-C.
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

const code = await run(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
