import { describe, expect, it } from 'vitest';
import { parseMode } from './put-action.js';

describe('parseMode', () => {
  it('reads octal permission bits', () => {
    expect(parseMode('0644')).toBe(0o644);
    expect(parseMode('755')).toBe(0o755);
    expect(parseMode('0o600')).toBe(0o600);
    expect(parseMode('4755')).toBe(0o4755);
  });
  it.each(['rwx', '0999', '', '12', 'u+x'])('refuses %j as a usage error', (text) => {
    expect(() => parseMode(text)).toThrow(expect.objectContaining({ code: 'FLEET_USAGE' }));
  });
});
