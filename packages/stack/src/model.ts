import type { NetworkCreateRequest, ServiceSpecInput } from '@swarmlet/api-types';

/** Docker's label naming the stack of every object a deploy creates. */
export const NAMESPACE_LABEL = 'com.docker.stack.namespace';
/** Docker's service label holding the image as the compose file names it. */
export const IMAGE_LABEL = 'com.docker.stack.image';
/**
 * Our service label: a hash of the spec the compose file produced (without this label). A
 * redeploy whose hash and the server-kept fields match leaves the service alone.
 */
export const SPEC_HASH_LABEL = 'com.swarmlet.stack.spec-hash';

/** A network a stack uses: created by the deploy unless `external`. */
export interface StackNetwork {
  /** Key in the compose file (`default` for the implicit one). */
  key: string;
  /** Name in the cluster: `<stack>_<key>`, the compose `name:`, or the external name. */
  name: string;
  external: boolean;
  /** What `createNetwork` gets (unused when external). */
  request: NetworkCreateRequest;
}

/** A named volume a stack's services mount (created by each node's engine on first use). */
export interface StackVolume {
  key: string;
  name: string;
  external: boolean;
  driver?: string;
  options?: Record<string, string>;
}

/** A secret or config of the stack: created (or updated) from `data` unless `external`. */
export interface StackData {
  key: string;
  name: string;
  external: boolean;
  labels: Record<string, string>;
  /** base64 of the file, variable or inline content; absent when external. */
  data?: string;
}

/** A stack as the compose files describe it, names resolved, ready to deploy. */
export interface Stack {
  name: string;
  /** Sorted by name; every one labelled with the namespace, image and spec hash. */
  services: ServiceSpecInput[];
  /** Only the networks some service uses. */
  networks: StackNetwork[];
  secrets: StackData[];
  configs: StackData[];
}

/** What `loadStack` reads: the compose files and what they may refer to. */
export interface StackSource {
  /** The stack's name (`stack deploy NAME`). */
  name: string;
  /** In `-c` order. `path` is used in messages and for relative paths (from the first). */
  files: readonly { path: string; text: string }[];
  /** The process environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths (`env_file`, `file:`, bind sources) start: default the first file's directory. */
  projectDir?: string;
  /** The `.env` file beside the first compose file, if there is one. */
  dotEnv?: { path: string; text: string };
  /** Reads `env_file`s and secret/config `file:`s (absolute paths); throws when missing. */
  readFile(path: string): Buffer;
}

/** `loadStack`'s result: the stack and the warnings to print (at most two lines). */
export interface LoadedStack {
  stack: Stack;
  warnings: string[];
}
