/** The registry an image reference without a registry host names (Docker Hub). */
export const DEFAULT_REGISTRY = 'docker.io';

/** Docker Hub's other spellings, all meaning `DEFAULT_REGISTRY`. */
const DOCKER_HUB_ALIASES = new Set(['index.docker.io', 'registry-1.docker.io']);

/**
 * The registry host an image reference pulls from, by Docker's reference rules
 * (distribution's `splitDockerDomain`): the first `/`-separated component is a registry host when
 * it contains `.` or `:`, is `localhost`, or has an upper-case letter (repository paths are
 * lower-case); otherwise the image is on Docker Hub, `docker.io`. `index.docker.io` is Hub too.
 *
 * `127.0.0.1:5000/app:1` → `127.0.0.1:5000`; `localhost/x` → `localhost`; `nginx`,
 * `library/nginx` → `docker.io`; `ghcr.io/a/b@sha256:…` → `ghcr.io`.
 */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash === -1) return DEFAULT_REGISTRY;
  const first = image.slice(0, slash);
  const isHost =
    first.includes('.') ||
    first.includes(':') ||
    first === 'localhost' ||
    first !== first.toLowerCase();
  if (!isHost || first === 'index.docker.io') return DEFAULT_REGISTRY;
  return first;
}

/**
 * A registry server address as users write it (`docker login` style: `https://ghcr.io`,
 * `https://index.docker.io/v1/`, `127.0.0.1:5000/`) reduced to the host `registryOf` returns, so
 * stored credentials can be matched to an image: scheme and path dropped (as Docker's
 * `ConvertToHostname`), Docker Hub's aliases mapped to `docker.io`.
 */
export function registryHost(server: string): string {
  const host =
    server
      .trim()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
      .split('/')[0] ?? '';
  return DOCKER_HUB_ALIASES.has(host.toLowerCase()) ? DEFAULT_REGISTRY : host;
}
