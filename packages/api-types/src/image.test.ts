import { describe, expect, it } from 'vitest';
import { registryOf } from './image.js';

describe('registryOf', () => {
  it.each([
    ['nginx', 'docker.io'],
    ['nginx:1.27', 'docker.io'],
    ['library/nginx', 'docker.io'],
    ['user/app:1', 'docker.io'],
    ['127.0.0.1:5000/app:1', '127.0.0.1:5000'],
    ['localhost/x', 'localhost'],
    ['localhost:5000/a/b', 'localhost:5000'],
    ['ghcr.io/a/b@sha256:0123', 'ghcr.io'],
    ['registry.example.test/team/app', 'registry.example.test'],
  ])('%s -> %s', (image, registry) => {
    expect(registryOf(image)).toBe(registry);
  });
});
