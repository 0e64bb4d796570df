import { describe, expect, it } from 'vitest';
import { redactPassword } from './registry-auth.js';

describe('redactPassword', () => {
  const auth = { serveraddress: 'r:5000', username: 'u', password: 'hunter2' };

  it('replaces every occurrence of the password', () => {
    expect(redactPassword('a hunter2 b hunter2', auth)).toBe('a *** b ***');
  });

  it('leaves text alone without auth or with an empty password', () => {
    expect(redactPassword('hunter2', undefined)).toBe('hunter2');
    expect(redactPassword('text', { ...auth, password: '' })).toBe('text');
  });
});
