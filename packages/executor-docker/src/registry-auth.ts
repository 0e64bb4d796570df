export { DEFAULT_REGISTRY, registryHost, registryOf } from '@swarmlet/api-types';

/**
 * Credentials for one registry, sent to the engine with a pull (dockerode's `authconfig`, the
 * `X-Registry-Auth` header). The password is a secret: never log it or put it in an error.
 */
export interface RegistryAuth {
  /** The registry these credentials are for, as `registryOf` spells it (e.g. `127.0.0.1:5000`). */
  serveraddress: string;
  username: string;
  password: string;
}

/** `text` with every occurrence of `auth`'s password replaced by `***` (no-op without auth). */
export function redactPassword(text: string, auth: RegistryAuth | undefined): string {
  if (auth === undefined || auth.password === '') return text;
  return text.split(auth.password).join('***');
}
