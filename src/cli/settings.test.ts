import { describe, expect, it } from 'vitest';
import { parseKeepalive } from './settings.js';

describe('--keepalive', () => {
  it('takes INTERVAL or INTERVAL,COUNT; 0 turns keepalives off', () => {
    expect(parseKeepalive('5s')).toEqual({ intervalMs: 5000 });
    expect(parseKeepalive('500ms,3')).toEqual({ intervalMs: 500, countMax: 3 });
    expect(parseKeepalive('0')).toEqual({ intervalMs: 0 });
  });

  it.each(['', 'soon', '5s,0', '5s,x', '5s,3,1'])('refuses %j with FLEET_USAGE', (text) => {
    expect(() => parseKeepalive(text)).toThrow(expect.objectContaining({ code: 'FLEET_USAGE' }));
  });
});
