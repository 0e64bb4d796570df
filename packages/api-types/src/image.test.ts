import { describe, expect, it } from 'vitest';
import { registryHost, registryOf } from './image.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('registryOf', () => {
  it.each([
    // Docker Hub: no slash, or a first component that is no host.
    ['nginx', 'docker.io'],
    ['nginx:1.25', 'docker.io'],
    [`nginx@${DIGEST}`, 'docker.io'],
    ['library/nginx', 'docker.io'],
    ['library/nginx:latest', 'docker.io'],
    ['user/app/sub:2', 'docker.io'],
    ['my-org/app', 'docker.io'],
    ['my_org/app', 'docker.io'],
    ['localhostx/app', 'docker.io'],
    ['localhost', 'docker.io'], // an image named localhost
    ['localhost:5000', 'docker.io'], // image "localhost", tag "5000"
    ['', 'docker.io'],
    // Hub spelled out.
    ['docker.io/library/nginx', 'docker.io'],
    ['index.docker.io/library/nginx', 'docker.io'],
    ['registry-1.docker.io/library/nginx', 'registry-1.docker.io'],
    // A '.' in the first component.
    ['ghcr.io/a/b', 'ghcr.io'],
    [`ghcr.io/a/b@${DIGEST}`, 'ghcr.io'],
    ['ghcr.io/a/b:1.0', 'ghcr.io'],
    ['quay.io/x', 'quay.io'],
    ['registry.example.com/team/app:v1', 'registry.example.com'],
    ['my.registry/app', 'my.registry'],
    // A ':' (port) in the first component.
    ['127.0.0.1:5000/app:1', '127.0.0.1:5000'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000'],
    [`127.0.0.1:5000/app@${DIGEST}`, '127.0.0.1:5000'],
    ['registry:5000/app', 'registry:5000'],
    ['localhost:5000/app:1', 'localhost:5000'],
    ['[::1]:5000/app', '[::1]:5000'],
    // localhost, exactly.
    ['localhost/x', 'localhost'],
    ['localhost/a/b:tag', 'localhost'],
    // Upper case cannot be a repository path component, so it is a host.
    ['Registry/app', 'Registry'],
  ])('%s -> %s', (image, registry) => {
    expect(registryOf(image)).toBe(registry);
  });
});

describe('registryHost', () => {
  it.each([
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['127.0.0.1:5000/', '127.0.0.1:5000'],
    ['http://127.0.0.1:5000', '127.0.0.1:5000'],
    ['https://ghcr.io', 'ghcr.io'],
    ['https://ghcr.io/v2/', 'ghcr.io'],
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['docker.io', 'docker.io'],
    [' localhost ', 'localhost'],
  ])('%s -> %s', (server, host) => {
    expect(registryHost(server)).toBe(host);
  });

  it('agrees with registryOf on the images of that registry', () => {
    expect(registryHost('https://127.0.0.1:5000/')).toBe(registryOf('127.0.0.1:5000/app:1'));
    expect(registryHost('https://index.docker.io/v1/')).toBe(registryOf('nginx'));
  });
});
