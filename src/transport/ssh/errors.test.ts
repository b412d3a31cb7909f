import { describe, expect, it } from 'vitest';
import { AuthError, FleetError } from '../../errors.js';
import { isFatalSshError, isSessionLimitError, type SshErrorContext, translateSshError } from './errors.js';

const connect: SshErrorContext = { host: 'web1', address: '10.0.0.1', port: 22, phase: 'connect' };
const session: SshErrorContext = { ...connect, phase: 'session' };

// Shaped exactly as ssh2 1.x and node:net emit them (see ssh2 lib/client.js, lib/utils.js).
function socketError(code: string, syscall = 'connect'): Error {
  return Object.assign(new Error(`${syscall} ${code} 10.0.0.1:22`), { code, errno: -1, syscall, address: '10.0.0.1', port: 22, level: 'client-socket' });
}
const level = (message: string, lvl: string): Error => Object.assign(new Error(message), { level: lvl });
const disconnect = (message: string, code: number): Error => Object.assign(new Error(message), { code });

describe('translateSshError', () => {
  it.each([
    ['ECONNREFUSED', 'FLEET_CONNECT_REFUSED'],
    ['ETIMEDOUT', 'FLEET_CONNECT_TIMEOUT'],
    ['EHOSTUNREACH', 'FLEET_UNREACHABLE'],
    ['ENETUNREACH', 'FLEET_UNREACHABLE'],
    ['ENOTFOUND', 'FLEET_DNS'],
    ['EAI_AGAIN', 'FLEET_DNS'],
    ['ECONNRESET', 'FLEET_CONNECTION_LOST'],
    ['EPIPE', 'FLEET_CONNECTION_LOST'],
  ])('socket %s -> %s', (errno, code) => {
    const err = socketError(errno);
    const out = translateSshError(err, connect);
    expect(out).toBeInstanceOf(FleetError);
    expect(out.code).toBe(code);
    expect(out.cause).toBe(err);
    expect(out.context).toMatchObject({ host: 'web1', details: { address: '10.0.0.1', port: 22, cause: errno } });
  });

  it.each([
    [level('Timed out while waiting for handshake', 'client-timeout'), connect, 'FLEET_CONNECT_TIMEOUT'],
    [level('Keepalive timeout', 'client-timeout'), session, 'FLEET_CONNECTION_LOST'],
    [level('Handshake failed: no matching key exchange algorithm', 'handshake'), connect, 'FLEET_HANDSHAKE_FAILED'],
    [level('Host denied (verification failed)', 'handshake'), connect, 'FLEET_HANDSHAKE_FAILED'],
    [level('Connection lost before handshake', 'protocol'), connect, 'FLEET_CONNECTION_LOST'],
    [level('Bad packet length 1349676916', 'protocol'), connect, 'FLEET_HANDSHAKE_FAILED'],
    // Thrown by ssh2's parser with no level (a garbage banner, a corrupted stream).
    [new Error('Invalid identification string'), connect, 'FLEET_HANDSHAKE_FAILED'],
    [new Error('Bad packet length: 1349676916'), connect, 'FLEET_HANDSHAKE_FAILED'],
    [new Error('Invalid MAC'), session, 'FLEET_CONNECTION_LOST'],
    [level('Bad packet length 1349676916', 'protocol'), session, 'FLEET_CONNECTION_LOST'],
    [level("Error while looking up IPv4 address for 'x': Error: getaddrinfo ENOTFOUND x", 'client-dns'), connect, 'FLEET_DNS'],
    [level('All configured authentication methods failed', 'client-authentication'), connect, 'FLEET_AUTH_FAILED'],
    [disconnect('Too many authentication failures', 2), connect, 'FLEET_AUTH_FAILED'],
    [disconnect('Protocol error', 2), connect, 'FLEET_HANDSHAKE_FAILED'],
    [disconnect('Connection lost', 10), session, 'FLEET_CONNECTION_LOST'],
    [Object.assign(new Error('(SSH) Channel open failure: open failed'), { reason: 1 }), session, 'FLEET_CHANNEL_OPEN_FAILED'],
    [new Error('Unable to exec'), session, 'FLEET_CHANNEL_OPEN_FAILED'],
    [new Error('Not connected'), session, 'FLEET_CONNECTION_LOST'],
    [new Error('No response from server'), session, 'FLEET_CONNECTION_LOST'],
    [new TypeError('x is not a function'), session, 'FLEET_INTERNAL'],
    ['a string', session, 'FLEET_INTERNAL'],
  ])('%s (%s) -> %s', (err, ctx, code) => {
    const out = translateSshError(err, ctx as SshErrorContext);
    expect(out.code).toBe(code);
    expect(out.cause).toBe(err);
  });

  it('builds an AuthError carrying the attempts when they are known', () => {
    const attempts = [
      { method: 'publickey' as const, source: '/k/id_ed25519', ok: false },
      { method: 'password' as const, source: 'PW', ok: false },
    ];
    const out = translateSshError(level('All configured authentication methods failed', 'client-authentication'), { ...connect, attempts });
    expect(out).toBeInstanceOf(AuthError);
    expect((out as AuthError).attempts).toEqual(attempts);
    expect(out.message).toContain('/k/id_ed25519');
  });

  it('passes FleetErrors through untouched', () => {
    const err = new FleetError('FLEET_TIMEOUT', 'late');
    expect(translateSshError(err, session)).toBe(err);
  });
});

describe('isFatalSshError', () => {
  it('lets ssh2 carry on after agent and signing hiccups', () => {
    expect(isFatalSshError(level('Failed to connect to agent', 'agent'))).toBe(false);
    expect(isFatalSshError(level('Error signing data with key: x', 'client-authentication'))).toBe(false);
    expect(isFatalSshError(level('All configured authentication methods failed', 'client-authentication'))).toBe(true);
    expect(isFatalSshError(socketError('ECONNRESET', 'read'))).toBe(true);
  });
});

describe('isSessionLimitError', () => {
  it("recognises OpenSSH's MaxSessions refusal", () => {
    const full = translateSshError(Object.assign(new Error('(SSH) Channel open failure: open failed'), { reason: 1 }), session);
    expect(isSessionLimitError(full)).toBe(true);
    expect(isSessionLimitError(translateSshError(new Error('Unable to exec'), session))).toBe(false);
  });
});

describe('FLEET_INTERNAL is for fleet\'s own bugs only', () => {
  const withStack = (error: Error, frame: string): Error => Object.assign(error, { stack: `${error.name}: ${error.message}\n    at new Uint8Array (<anonymous>)\n    at new FastBuffer (node:internal/buffer:961:5)\n    at ${frame}` });

  it('ssh2\'s parser throwing on a server\'s bytes is the server\'s failure', () => {
    const thrown = withStack(new RangeError('Invalid typed array length: -189'), 'NullDecipher.decrypt (/app/node_modules/ssh2/lib/protocol/crypto.js:599:26)');
    expect(translateSshError(thrown, connect).code).toBe('FLEET_HANDSHAKE_FAILED');
    expect(translateSshError(thrown, session).code).toBe('FLEET_CONNECTION_LOST');
  });

  it('the banner parser errors ssh2 throws are handshake failures', () => {
    for (const message of ['Invalid header: expected newline', 'Header line too long', 'Max greeting lines exceeded']) {
      expect(translateSshError(new Error(message), connect).code, message).toBe('FLEET_HANDSHAKE_FAILED');
    }
  });

  it('an error thrown by our own code stays FLEET_INTERNAL', () => {
    const ours = withStack(new TypeError("Cannot read properties of undefined (reading 'x')"), 'hostVerifier (/app/dist/cli/main.js:10:5)');
    expect(translateSshError(ours, connect).code).toBe('FLEET_INTERNAL');
  });
});
