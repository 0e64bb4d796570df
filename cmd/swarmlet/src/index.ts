export { run, buildProgram, reportError, CLI_VERSION } from './program.js';
export type { CliIo, Output } from './io.js';
export { DEFAULT_SOCKET, resolveEndpoint } from './endpoint.js';
