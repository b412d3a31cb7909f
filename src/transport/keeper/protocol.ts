/**
 * The keeper's wire format over its unix socket. Every connection starts with one JSON line from
 * the client: `{ token, op, ... }`. A control connection (`op: 'control'`) then carries JSON
 * lines both ways (requests with an `id`, replies with the same `id`). An exec connection
 * (`op: 'exec'`) carries binary frames after that line, one channel per connection, so the
 * socket's own flow control is the channel's back-pressure and a client that goes away closes
 * exactly its commands. An SFTP connection (`op: 'sftp'`) relays one SFTP session's calls as
 * Call/Reply frames matched by id. A frame is `type (1 byte) | length (4 bytes, big-endian) | payload`.
 * Nothing secret travels here: commands, environment names and values the user gave for the
 * command, output, and paths; never a password, passphrase or key.
 */
import { FleetError, type FleetErrorCode } from '../../errors.js';

/** Frame types of an exec connection. */
export const Frame = {
  /** keeper → client: remote stdout bytes. */
  Stdout: 1,
  /** keeper → client: remote stderr bytes. */
  Stderr: 2,
  /** keeper → client: JSON ExecExit; the last frame. */
  Exit: 3,
  /** keeper → client: JSON WireError; the last frame. */
  Error: 4,
  /** client → keeper: stdin bytes. */
  Stdin: 5,
  /** client → keeper: end of stdin. */
  StdinEnd: 6,
  /** client → keeper: JSON WireError, the abort reason (the remote process group is killed). */
  Abort: 7,
  /** keeper → client, SFTP connection: JSON {maxWriteBytes, maxReadBytes, hasPosixRename}. */
  SftpReady: 8,
  /** client → keeper, SFTP connection: one call (see encodeCall). */
  Call: 9,
  /** keeper → client, SFTP connection: one call's reply (see encodeCall). */
  Reply: 10,
} as const;

/** A Call or Reply payload: a JSON header and raw bytes (a write's data, a read's result). */
export function encodeCall(header: unknown, data: Uint8Array = Buffer.alloc(0)): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(json.length, 0);
  return Buffer.concat([len, json, data]);
}

export function decodeCall(payload: Buffer): { header: unknown; data: Buffer } {
  const len = payload.readUInt32BE(0);
  return { header: JSON.parse(payload.subarray(4, 4 + len).toString()) as unknown, data: payload.subarray(4 + len) };
}

/** Largest frame accepted: a bound on what a peer can make the other side buffer. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/** A FleetError as it crosses the socket. */
export interface WireError {
  code: FleetErrorCode;
  message: string;
  host?: string;
  details?: Record<string, unknown>;
}

export function toWireError(error: FleetError): WireError {
  return {
    code: error.code,
    message: error.message,
    ...(error.context.host !== undefined && { host: error.context.host }),
    ...(error.context.details !== undefined && { details: error.context.details }),
  };
}

export function fromWireError(wire: WireError): FleetError {
  const context = { ...(wire.host !== undefined && { host: wire.host }), ...(wire.details !== undefined && { details: wire.details }) };
  return new FleetError(wire.code, wire.message, context);
}

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.allocUnsafe(5);
  head[0] = type;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Splits a byte stream into frames; `push` returns the complete ones. */
export class FrameReader {
  #pending: Buffer[] = [];
  #size = 0;

  push(chunk: Buffer): Array<{ type: number; payload: Buffer }> {
    this.#pending.push(chunk);
    this.#size += chunk.length;
    const out: Array<{ type: number; payload: Buffer }> = [];
    if (this.#size < 5) return out;
    let buf = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending);
    let at = 0;
    while (buf.length - at >= 5) {
      const length = buf.readUInt32BE(at + 1);
      if (length > MAX_FRAME_BYTES) throw new FleetError('FLEET_INTERNAL', `fleet keeper: frame of ${length} bytes exceeds the limit`);
      if (buf.length - at < 5 + length) break;
      out.push({ type: buf[at] as number, payload: buf.subarray(at + 5, at + 5 + length) });
      at += 5 + length;
    }
    buf = buf.subarray(at);
    this.#pending = buf.length > 0 ? [buf] : [];
    this.#size = buf.length;
    return out;
  }
}

/** Splits a byte stream into JSON lines; `push` returns the parsed values of complete lines. */
export class LineReader {
  #rest = '';

  push(chunk: Buffer | string): unknown[] {
    this.#rest += chunk.toString();
    if (this.#rest.length > MAX_FRAME_BYTES) throw new FleetError('FLEET_INTERNAL', 'fleet keeper: control line too long');
    const lines = this.#rest.split('\n');
    this.#rest = lines.pop() ?? '';
    return lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
  }

}

/**
 * Reads a connection's first line (its JSON hello) from raw bytes: resolves the parsed hello and
 * the bytes after it (binary frames on an exec connection, so they are never decoded as text).
 */
export class HelloReader {
  #pending: Buffer[] = [];
  #size = 0;

  /** Undefined until the line is complete. Throws on malformed or oversized input. */
  push(chunk: Buffer): { hello: unknown; rest: Buffer } | undefined {
    this.#pending.push(chunk);
    this.#size += chunk.length;
    const buf = Buffer.concat(this.#pending);
    const end = buf.indexOf(0x0a);
    if (end < 0) {
      if (this.#size > 64 * 1024) throw new FleetError('FLEET_INTERNAL', 'fleet keeper: hello line too long');
      this.#pending = [buf];
      return undefined;
    }
    return { hello: JSON.parse(buf.subarray(0, end).toString('utf8')) as unknown, rest: buf.subarray(end + 1) };
  }
}

/** Socket connection kinds. */
export type Hello =
  | { token: string; op: 'control' }
  | { token: string; op: 'exec'; key: string; command: string; pty?: boolean; env?: Record<string, string> }
  | { token: string; op: 'sftp'; key: string };

/** What the client asks on a control connection. */
export type ControlRequest =
  | { id: number; op: 'acquire'; key: string; target: PersistTarget }
  | { id: number; op: 'release'; key: string; persistMs: number }
  | { id: number; op: 'ping'; key: string }
  | { id: number; op: 'status' }
  | { id: number; op: 'stop' };

/** Everything the keeper needs to connect to a host itself: names, paths and policies only. */
/** A jump host a kept connection goes through, resolved by the client (first hop first). */
export interface PersistHop {
  name: string;
  address: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** Of `identityFiles`, for the identity only (the keeper reads the keys by path). */
  fingerprints: string[];
  agentSocket?: string;
  connectTimeoutMs?: number;
}

export interface PersistTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  identityFiles: string[];
  /**
   * Of `identityFiles`, as the client read them: the keeper parses its keys afresh when they
   * change (a key file replaced on disk), instead of signing with the parse it cached.
   */
  fingerprints?: string[];
  agentSocket?: string;
  knownHostsFiles: string[];
  hostKeyPolicy: 'strict' | 'accept-new' | 'off';
  kexProfile: 'default' | 'nistp256-first';
  connectTimeoutMs: number;
  maxSessions?: number;
  persistMs: number;
  /** The jump hosts, first to last; absent for a direct connection. */
  jumps?: PersistHop[];
}

/** The keeper's answer to `acquire`. */
export interface AcquireResult {
  reused: boolean;
  hostKey: { type: string; fingerprint: string; blob: string };
  timing: { startedAt: number; socketMs: number; kexMs: number; authMs: number; attempts: number };
}

/** One host of `fleet persist status`. */
export interface KeeperHostStatus {
  host: string;
  address: string;
  port: number;
  user: string;
  /** Commands running on it now. */
  active: number;
  /** Ms since it was last used (0 while in use). */
  idleMs: number;
  /** Ms of idleness after which it closes. */
  persistMs: number;
  connectedAt: string;
}

export interface KeeperStatus {
  pid: number;
  startedAt: string;
  rssBytes: number;
  hosts: KeeperHostStatus[];
}

export type ControlReply = { id: number; ok: true; result?: unknown } | { id: number; ok: false; error: WireError };
