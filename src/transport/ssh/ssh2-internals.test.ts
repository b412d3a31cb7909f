// The guard of ssh2-internals.ts: if an ssh2 upgrade changes any private detail fleet reaches
// into, this fails and names it (fleet itself would silently fall back to slower handshakes).
import { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { installFastHandshake, ssh2InternalsProblems } from './ssh2-internals.js';

/** A socket that never connects: enough for ssh2 to build its protocol object. */
function idleSocket(): Duplex {
  return new Duplex({ read() {}, write(_chunk, _enc, done) { done(); } });
}

describe('ssh2 internals fleet relies on', () => {
  it('are all present in the installed ssh2 (authPK, session, handlers, channel manager, callbacks, Channel constants)', () => {
    const client = new ssh2.Client();
    client.on('error', () => undefined);
    client.connect({ sock: idleSocket(), username: 'x' });
    try {
      expect(ssh2InternalsProblems(client)).toEqual([]);
      expect(installFastHandshake(client)).toBeDefined();
    } finally {
      client.destroy();
    }
  });

  it('are reported, and the fast handshake stays off, when ssh2 differs', () => {
    const client = new ssh2.Client();
    client.on('error', () => undefined);
    client.connect({ sock: idleSocket(), username: 'x' });
    const internals = client as unknown as { _chanMgr: unknown };
    const manager = internals._chanMgr;
    try {
      internals._chanMgr = undefined;
      expect(ssh2InternalsProblems(client)).toContain('_chanMgr.add() is missing');
      expect(installFastHandshake(client)).toBeUndefined();
    } finally {
      internals._chanMgr = manager; // ssh2's close handler needs it
      client.destroy();
    }
  });
});
