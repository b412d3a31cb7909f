/**
 * The one place that knows how ssh2 and node:net report failures: ssh2's `err.level`
 * ('client-socket', 'client-timeout', 'client-authentication', 'client-dns', 'protocol',
 * 'handshake', 'agent'), DISCONNECT reason codes, socket errnos and channel-open failures.
 * Everything leaves here as a FleetError that keeps the original as `cause`.
 */
import { type AuthAttempt, AuthError, FleetError, type FleetErrorCode } from '../../errors.js';

/** Where a failure happened: while connecting (TCP, banner, kex, auth) or on an open session. */
export type SshErrorPhase = 'connect' | 'session';

/** What the translation needs to name the host in messages. */
export interface SshErrorContext {
  host: string;
  address: string;
  port: number;
  phase: SshErrorPhase;
  /** Auth methods tried so far; with them an authentication failure becomes an AuthError. */
  attempts?: readonly AuthAttempt[];
  /** The remote user, named in authentication failures (`root@web01`). */
  user?: string;
}

// RFC 4253 §11.1 disconnect reasons that say something more precise than "connection lost".
const DISCONNECT_CODES: Readonly<Record<number, FleetErrorCode>> = {
  2: 'FLEET_HANDSHAKE_FAILED', // PROTOCOL_ERROR
  3: 'FLEET_HANDSHAKE_FAILED', // KEY_EXCHANGE_FAILED
  5: 'FLEET_HANDSHAKE_FAILED', // MAC_ERROR
  6: 'FLEET_HANDSHAKE_FAILED', // COMPRESSION_ERROR
  8: 'FLEET_HANDSHAKE_FAILED', // PROTOCOL_VERSION_NOT_SUPPORTED
  14: 'FLEET_AUTH_FAILED', // NO_MORE_AUTH_METHODS_AVAILABLE
  15: 'FLEET_AUTH_FAILED', // ILLEGAL_USER_NAME
};

const ERRNO_CODES: Readonly<Record<string, FleetErrorCode>> = {
  ECONNREFUSED: 'FLEET_CONNECT_REFUSED',
  ETIMEDOUT: 'FLEET_CONNECT_TIMEOUT',
  EHOSTUNREACH: 'FLEET_UNREACHABLE',
  ENETUNREACH: 'FLEET_UNREACHABLE',
  EHOSTDOWN: 'FLEET_UNREACHABLE',
  ENETDOWN: 'FLEET_UNREACHABLE',
  EADDRNOTAVAIL: 'FLEET_UNREACHABLE',
  ENOTFOUND: 'FLEET_DNS',
  EAI_AGAIN: 'FLEET_DNS',
  EAI_FAIL: 'FLEET_DNS',
  EAI_NONAME: 'FLEET_DNS',
  EAI_NODATA: 'FLEET_DNS',
  ECONNRESET: 'FLEET_CONNECTION_LOST',
  ECONNABORTED: 'FLEET_CONNECTION_LOST',
  EPIPE: 'FLEET_CONNECTION_LOST',
};

const ALL_AUTH_FAILED = 'All configured authentication methods failed';

// The plain Errors ssh2's Protocol.parse throws on malformed input (no `level` set on them).
const PARSER_FAILURE = /^(Invalid identification string|Invalid header|Header line too long|Max greeting lines exceeded|Bad packet length|Invalid (MAC|padding length|packet length))/;

interface Ssh2ErrorShape {
  message: string;
  level?: unknown;
  code?: unknown;
  reason?: unknown;
}

function shapeOf(err: unknown): Ssh2ErrorShape {
  if (err instanceof Error) return err as Ssh2ErrorShape;
  return { message: String(err) };
}

/**
 * ssh2 emits some 'error' events and then carries on (an agent that cannot be reached, a key
 * that fails to sign): those must not end a connect attempt. Everything else is fatal.
 */
export function isFatalSshError(err: unknown): boolean {
  const { level, message } = shapeOf(err);
  if (level === 'agent') return false;
  if (level === 'client-authentication') return message.startsWith(ALL_AUTH_FAILED);
  return true;
}

/** Translates anything ssh2 or node:net threw or emitted into a FleetError (never throws). */
export function translateSshError(err: unknown, ctx: SshErrorContext): FleetError {
  if (err instanceof FleetError) return err;
  const e = shapeOf(err);
  const where = `${ctx.host} (${ctx.address}:${ctx.port})`;
  const make = (code: FleetErrorCode, what: string): FleetError =>
    new FleetError(code, `${where}: ${what}`, { host: ctx.host, details: detailsOf(e, ctx) }, { cause: err });

  if (typeof e.code === 'string' && ERRNO_CODES[e.code] !== undefined) {
    const code = ERRNO_CODES[e.code] as FleetErrorCode;
    return make(code, `${describeErrno(e.code, ctx.phase)} (${e.code})`);
  }
  switch (e.level) {
    case 'client-dns':
      return make('FLEET_DNS', e.message);
    case 'client-timeout':
      return ctx.phase === 'connect'
        ? make('FLEET_CONNECT_TIMEOUT', 'timed out during the SSH handshake')
        : make('FLEET_CONNECTION_LOST', `no answer to keepalives (${e.message})`);
    case 'client-authentication':
      return authFailure(err, ctx, where, e.message);
    case 'handshake':
      return make('FLEET_HANDSHAKE_FAILED', e.message);
    case 'protocol':
      return /lost before handshake/i.test(e.message)
        ? make('FLEET_CONNECTION_LOST', 'the server closed the connection before the SSH banner (MaxStartups?)')
        : make(ctx.phase === 'connect' ? 'FLEET_HANDSHAKE_FAILED' : 'FLEET_CONNECTION_LOST', `protocol error: ${e.message}`);
    case 'client-socket':
      return make('FLEET_CONNECTION_LOST', e.message);
    default:
      break;
  }
  if (typeof e.code === 'number') {
    // OpenSSH ends MaxAuthTries with PROTOCOL_ERROR ("Too many authentication failures").
    if (/authentication/i.test(e.message)) return authFailure(err, ctx, where, e.message);
    return make(DISCONNECT_CODES[e.code] ?? 'FLEET_CONNECTION_LOST', `the server disconnected: ${e.message}`);
  }
  if (/channel open failure/i.test(e.message) || e.reason !== undefined) {
    return make('FLEET_CHANNEL_OPEN_FAILED', `could not open a session channel: ${e.message.replace(/^\(SSH\) /, '')}`);
  }
  if (/^Unable to (exec|request a pseudo-terminal|start subsystem)/.test(e.message)) {
    return make('FLEET_CHANNEL_OPEN_FAILED', `the server refused the request: ${e.message}`);
  }
  if (/^(Not connected|No response from server)/.test(e.message)) {
    return make('FLEET_CONNECTION_LOST', e.message);
  }
  // Thrown by ssh2's packet parser on bytes that are not SSH (a garbage banner, a corrupted
  // stream): the server's fault, not ours. Before the session exists that is a failed handshake.
  if (PARSER_FAILURE.test(e.message)) {
    return make(ctx.phase === 'connect' ? 'FLEET_HANDSHAKE_FAILED' : 'FLEET_CONNECTION_LOST', `the server sent invalid SSH data: ${e.message}`);
  }
  // ssh2's parser itself breaking on what the server sent (a RangeError on a bad padding length,
  // a TypeError on NEWKEYS before any key exchange): the server's doing, not a bug of fleet's.
  if (thrownBySsh2(err)) {
    return make(ctx.phase === 'connect' ? 'FLEET_HANDSHAKE_FAILED' : 'FLEET_CONNECTION_LOST', `the server sent SSH data that could not be processed: ${e.message}`);
  }
  return make('FLEET_INTERNAL', `unexpected SSH failure: ${e.message}`);
}

/** The error an aborted operation rejects with: the reason itself when it is a FleetError, else FLEET_CANCELLED. */
export function abortError(signal: AbortSignal, host: string): FleetError {
  const reason: unknown = signal.reason;
  if (reason instanceof FleetError) return reason;
  return new FleetError('FLEET_CANCELLED', `${host}: cancelled`, { host }, { cause: reason });
}

/**
 * True for the channel-open failure OpenSSH sends when a connection already has MaxSessions
 * sessions ("open failed"): back-pressure, worth a retry once another channel closes.
 */
export function isSessionLimitError(err: FleetError): boolean {
  if (err.code !== 'FLEET_CHANNEL_OPEN_FAILED') return false;
  const cause = shapeOf(err.cause);
  return /open failed/i.test(cause.message) || cause.reason === 1 || cause.reason === 4;
}

/**
 * Translates a failure to open a `direct-tcpip` channel through a jump host to the target
 * (OpenSSH's reason 2 CONNECT_FAILED carries the bastion's own connect error as text).
 */
export function translateJumpOpenError(err: unknown, target: { host: string; address: string; port: number }, jumpHost: string): FleetError {
  if (err instanceof FleetError) return err;
  const e = shapeOf(err);
  const where = `${target.host} (${target.address}:${target.port}) via jump host ${jumpHost}`;
  const details = { address: target.address, port: target.port, jumpHost, ...(e.reason !== undefined && { reason: e.reason }) };
  const make = (code: FleetErrorCode, what: string): FleetError => new FleetError(code, `${where}: ${what}`, { host: target.host, details }, { cause: err });
  const text = e.message.replace(/^\(SSH\) Channel open failure: /, '');
  if (e.reason === 2 || e.reason === 'CONNECT_FAILED') {
    if (/refused/i.test(text)) return make('FLEET_CONNECT_REFUSED', `the jump host's connection was refused (${text})`);
    if (/name|resolv|known/i.test(text)) return make('FLEET_DNS', `the jump host cannot resolve the address (${text})`);
    if (/timed out/i.test(text)) return make('FLEET_CONNECT_TIMEOUT', `the jump host's connect timed out (${text})`);
    return make('FLEET_UNREACHABLE', `the jump host cannot connect (${text})`);
  }
  if (e.reason === 1) return make('FLEET_CHANNEL_OPEN_FAILED', `the jump host refuses to forward connections (AllowTcpForwarding?): ${text}`);
  if (typeof e.reason === 'number') return make('FLEET_CHANNEL_OPEN_FAILED', `the jump host could not open a channel: ${text}`);
  return translateSshError(err, { ...target, phase: 'connect' });
}

/**
 * True when the innermost frame of `err`'s stack outside Node's own code (`node:` frames, a
 * typed array constructor) is ssh2's: ssh2 threw it, not fleet.
 */
function thrownBySsh2(err: unknown): boolean {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return false;
  const frame = err.stack.split('\n').find((line) => line.trimStart().startsWith('at ') && !/\(node:|at node:|at new \w*Array \(<anonymous>\)/.test(line));
  return frame !== undefined && /[\\/]node_modules[\\/]ssh2[\\/]/.test(frame);
}

function authFailure(err: unknown, ctx: SshErrorContext, host: string, message: string): FleetError {
  // Who we tried to log in as is half of what went wrong (`root@web01`, not only `web01`).
  const where = ctx.user === undefined ? host : `${ctx.user}@${host}`;
  if (ctx.attempts === undefined) {
    return new FleetError('FLEET_AUTH_FAILED', `${where}: ${message}`, { host: ctx.host }, { cause: err });
  }
  const tried = ctx.attempts.map((a) => (a.source ? `${a.method} (${a.source})` : a.method)).join(', ');
  return new AuthError(`${where}: authentication failed; tried: ${tried || 'no method configured'}`, ctx.host, ctx.attempts, { cause: err });
}

function describeErrno(code: string, phase: SshErrorPhase): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ETIMEDOUT':
      return 'TCP connect timed out';
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return 'host name not found';
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return 'DNS lookup failed';
    case 'ECONNRESET':
    case 'ECONNABORTED':
    case 'EPIPE':
      return phase === 'connect' ? 'connection reset during the SSH handshake' : 'connection reset';
    default:
      return 'host unreachable';
  }
}

function detailsOf(e: Ssh2ErrorShape, ctx: SshErrorContext): Record<string, unknown> {
  const details: Record<string, unknown> = { address: ctx.address, port: ctx.port, phase: ctx.phase };
  if (typeof e.level === 'string') details['level'] = e.level;
  if (typeof e.code === 'string' || typeof e.code === 'number') details['cause'] = e.code;
  if (typeof e.reason === 'number' || typeof e.reason === 'string') details['reason'] = e.reason;
  return details;
}

// SFTP status codes (draft-ietf-secsh-filexfer-02 §7), as ssh2 sets them on `err.code`.
const SFTP_STATUS_CODES: Readonly<Record<number, FleetErrorCode>> = {
  2: 'FLEET_SFTP_NO_SUCH_FILE', // SSH_FX_NO_SUCH_FILE
  3: 'FLEET_SFTP_PERMISSION_DENIED', // SSH_FX_PERMISSION_DENIED
  4: 'FLEET_SFTP_FAILURE', // SSH_FX_FAILURE: OpenSSH's answer to most errnos, ENOSPC and EEXIST included
  5: 'FLEET_SFTP_FAILURE', // SSH_FX_BAD_MESSAGE
  8: 'FLEET_SFTP_FAILURE', // SSH_FX_OP_UNSUPPORTED
};

/** What an SFTP failure message names: the host, the call and its path. */
export interface SftpErrorContext {
  host: string;
  /** The call, e.g. `open`, `write`, `rename`. */
  op: string;
  path: string;
  /** The connection's fatal error, if it died (a pending request then fails with "No response"). */
  lost?: FleetError | undefined;
}

/**
 * Translates an ssh2 SFTP failure: a status code (2 no such file, 3 permission denied, 4 failure,
 * ...) on `err.code`, or "No response from server" when the channel closed with requests pending
 * (the connection's own error wins then, so a dead host reads as FLEET_CONNECTION_LOST).
 */
export function translateSftpError(err: unknown, ctx: SftpErrorContext): FleetError {
  if (err instanceof FleetError) return err;
  const e = shapeOf(err);
  const what = `${ctx.host}: sftp ${ctx.op} ${ctx.path}`;
  if (typeof e.code === 'number' && SFTP_STATUS_CODES[e.code] !== undefined) {
    const code = SFTP_STATUS_CODES[e.code] as FleetErrorCode;
    return new FleetError(code, `${what}: ${e.message}`, { host: ctx.host, details: { path: ctx.path, op: ctx.op, status: e.code } }, { cause: err });
  }
  if (ctx.lost !== undefined) {
    return new FleetError(ctx.lost.code, `${what}: ${ctx.lost.message}`, { host: ctx.host, details: { path: ctx.path, op: ctx.op } }, { cause: err });
  }
  if (/^(No response from server|Not connected|Channel is not open)/i.test(e.message)) {
    return new FleetError('FLEET_SFTP_FAILURE', `${what}: the SFTP channel closed (${e.message})`, { host: ctx.host, details: { path: ctx.path, op: ctx.op } }, { cause: err });
  }
  return new FleetError('FLEET_SFTP_FAILURE', `${what}: ${e.message}`, { host: ctx.host, details: { path: ctx.path, op: ctx.op } }, { cause: err });
}
