/**
 * `connect(host)`: one host, one SSH transport, paramiko-style (`SSHClient.connect` +
 * `exec_command`). The same transport and connect path as fleets (strict host keys, cached keys,
 * a connection pool of its own capped at one, process-group kill on timeout); a Session is for
 * scripts that talk to one host at a time.
 */
import { resolve } from 'node:path';
import { withTimeout } from './concurrency/deadline.js';
import { FleetError } from './errors.js';
import { parseAdHocHosts, type HostSpec } from './inventory/index.js';
import type { FleetEvent } from './events.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from './operations/exec.js';
import { connectTargetOf } from './run/connect-target.js';
import type { TransferOutput } from './result.js';
import { execTask } from './tasks/exec.js';
import { getFiles } from './tasks/get.js';
import { putFiles } from './tasks/put.js';
import { planPut } from './tasks/transfer-plan.js';
import { TransferResources } from './tasks/transfer-shared.js';
import { shellQuote } from './shell-quote.js';
import { openConnectionPool } from './connections.js';
import type { Connection, HostKeyPolicy, Transport } from './transport/index.js';
import type { ConnectionSource } from './transport/pool.js';

/** Options of {@link connect}. Secrets given here are used for this connection and never logged. */
export interface SessionOptions {
  /** Remote user; default: the one in `host`, else the local user. */
  user?: string;
  /** Default: the one in `host`, else 22. */
  port?: number;
  /** Password (password and keyboard-interactive auth). Prefer `passwordEnv` in configs. */
  password?: string;
  /** Name of an env var (in `env`) holding the password. */
  passwordEnv?: string;
  /** Private key text (OpenSSH or PEM). */
  privateKey?: string | Buffer;
  /** Private key files, tried in order. Default when no other method is given: ~/.ssh/id_ed25519, id_ecdsa, id_rsa. */
  identityFiles?: readonly string[];
  /** Passphrase of an encrypted key; default: `$FLEET_KEY_PASSPHRASE` from `env`. */
  passphrase?: string;
  /** Authenticate with ssh-agent: `true` uses `SSH_AUTH_SOCK` from `env`; a string is the socket path. */
  agent?: boolean | string;
  /** known_hosts files. Default: the host's (~/.ssh/known_hosts), then the system files. */
  knownHostsFiles?: readonly string[];
  /** Default `strict`: unknown host keys fail with FLEET_HOSTKEY_UNKNOWN. */
  hostKeyPolicy?: HostKeyPolicy;
  /** Bound on TCP + handshake + auth. Default 10 s. */
  connectTimeoutMs?: number;
  /** Where env-sourced settings are read (`passwordEnv`, `SSH_AUTH_SOCK`). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Aborting cancels the connect. */
  signal?: AbortSignal;
  /** The server's MaxSessions. Default 10. */
  maxSessions?: number;
  /** Transport to use; default the ssh2 transport. */
  transport?: Transport;
}

/** Options of {@link Session.exec}. */
export interface SessionExecOptions {
  /** Bound on the command: it is killed (its whole process group) and exec rejects with FLEET_TIMEOUT. */
  timeoutMs?: number;
  /** Aborting kills the command; exec rejects with FLEET_CANCELLED (or the signal's FleetError reason). */
  signal?: AbortSignal;
  /** Exported before the command runs (names must be shell identifiers). */
  env?: Record<string, string>;
  /** Written to the command's stdin, then EOF. */
  stdin?: string | Buffer;
  /** Allocate a pseudo-terminal (stderr then arrives in stdout). */
  pty?: boolean;
  /** Cap per stream on captured output (a marker shows the cut). Default 1 MiB. */
  maxOutputBytes?: number;
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
}

/** Options of {@link Session.put}. */
export interface SessionPutOptions {
  /** Send a directory and everything below it. */
  recursive?: boolean;
  /** Permission bits for every file sent (e.g. `0o644`); default: each local file's own. */
  mode?: number;
  /** Leave files whose target already has the same size and sha256 (no data sent). */
  skipUnchanged?: boolean;
  /** Check each upload's sha256 on the host before it replaces the target. Default true. */
  verify?: boolean;
  /** Bound on the whole upload; temps are removed and put rejects with FLEET_TIMEOUT. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Where a relative local path resolves. Default `process.cwd()`. */
  cwd?: string;
  /** Progress as bytes are acknowledged. */
  onProgress?: (event: Extract<FleetEvent, { type: 'transfer_progress' }>) => void;
}

/** Options of {@link Session.get}. */
export type SessionGetOptions = Omit<SessionPutOptions, 'mode' | 'skipUnchanged'>;

/** How a command ended. A non-zero `code` is a result, not an error. */
export interface SessionExecResult {
  stdout: string;
  stderr: string;
  /** Exit status, or null when a signal ended the command. */
  code: number | null;
  /** The signal that ended the command (`SIGKILL`), or null. */
  signal: string | null;
  /** True when output passed `maxOutputBytes` and was cut. */
  truncated: boolean;
}

// Secrets passed as values travel to the credential cache in a private env object under these
// names (never in process.env); they show up only as auth attempt sources, e.g. `env:(password)`.
const PASSWORD_VAR = '(password)';
const KEY_VAR = '(privateKey)';
const PASSPHRASE_VAR = '(passphrase)';

/**
 * Connects to one host and authenticates: by password, key file, key text, or ssh-agent (in
 * that order of the options given; with none, the default ~/.ssh keys). `host` is
 * `[user@]host[:port]` or a HostSpec (from an inventory).
 * @throws FleetError: HostKeyError (unknown/changed key), AuthError (every method refused, with
 *   `attempts`), FLEET_CONNECT_* / FLEET_DNS (unreachable), FLEET_KEY_INVALID, FLEET_USAGE.
 */
export async function connect(host: string | HostSpec, opts: SessionOptions = {}): Promise<Session> {
  const base = typeof host === 'string' ? parseOneHost(host, opts.user) : host;
  const secrets: Record<string, string> = {};
  const spec: HostSpec = {
    ...base,
    ...(opts.user !== undefined && { user: opts.user }),
    ...(opts.port !== undefined && { port: opts.port }),
    ...(opts.identityFiles && { identityFiles: [...opts.identityFiles] }),
    ...(opts.passwordEnv !== undefined && { passwordEnv: opts.passwordEnv }),
  };
  if (opts.password !== undefined) {
    secrets[PASSWORD_VAR] = opts.password;
    spec.passwordEnv = PASSWORD_VAR;
  }
  if (opts.privateKey !== undefined) {
    secrets[KEY_VAR] = opts.privateKey.toString();
    spec.keyEnv = KEY_VAR;
  }
  if (opts.agent !== undefined && opts.agent !== false) {
    spec.agent = true;
    if (typeof opts.agent === 'string') secrets['SSH_AUTH_SOCK'] = opts.agent;
  }
  if (opts.passphrase !== undefined) secrets[PASSPHRASE_VAR] = opts.passphrase;
  const env = { ...(opts.env ?? process.env), ...secrets };
  // A pool of one connection, the Session's own: the same connect path as a Fleet's (timeout
  // started at the handshake, EMFILE as back-pressure, close() that leaves no socket or timer).
  const { pool } = await openConnectionPool({
    transport: opts.transport,
    knownHostsFiles: opts.knownHostsFiles ?? (spec.knownHostsFiles.length > 0 ? spec.knownHostsFiles : undefined),
    env,
    ...(opts.passphrase !== undefined && { passphraseEnv: PASSPHRASE_VAR }),
    hostKeyPolicy: opts.hostKeyPolicy,
    connectTimeoutMs: opts.connectTimeoutMs,
    maxSessions: opts.maxSessions,
    maxConnections: 1,
  });
  try {
    const conn = await pool.acquire(connectTargetOf(spec), opts.signal ?? new AbortController().signal);
    return new Session(conn, pool);
  } catch (error) {
    await pool.close();
    throw error;
  }
}

/** One authenticated connection to one host. Use with `await using`, or call `close()`. */
export class Session implements AsyncDisposable {
  /** The host's name (as given, or the inventory name). */
  readonly host: string;
  /** The host key the server proved it holds (`ssh-keygen -lf` fingerprint). */
  readonly hostKey: { type: string; fingerprint: string };
  readonly #conn: Connection;
  readonly #source: ConnectionSource | undefined;

  /** Use {@link connect}. `source`: where `conn` was acquired; closing the Session closes it. */
  constructor(conn: Connection, source?: ConnectionSource) {
    this.#conn = conn;
    this.#source = source;
    this.host = conn.host;
    this.hostKey = conn.hostKey;
  }

  /**
   * Runs `command` with the remote user's shell. Resolves whatever the exit status; rejects
   * (FleetError) only when the command could not run or finish: timeout, abort, lost connection.
   */
  async exec(command: string, opts: SessionExecOptions = {}): Promise<SessionExecResult> {
    const bound = withTimeout(opts.signal, opts.timeoutMs, { name: 'timeoutMs', host: this.host });
    try {
      const out = await execTask(this.#conn, {
        command,
        signal: bound.signal,
        maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
        capture: true,
        env: opts.env,
        pty: opts.pty,
        stdin: typeof opts.stdin === 'string' ? Buffer.from(opts.stdin, 'utf8') : opts.stdin,
        onStdout: opts.onStdout,
        onStderr: opts.onStderr,
      });
      return { stdout: out.stdout, stderr: out.stderr, code: out.exitCode, signal: out.signal, truncated: out.truncated };
    } finally {
      bound.dispose();
    }
  }

  /**
   * The sha256 of a remote file, hex, computed on the host (`sha256sum`): nothing is downloaded.
   * @throws FleetError FLEET_SFTP_NO_SUCH_FILE / FLEET_SFTP_PERMISSION_DENIED / FLEET_SFTP_FAILURE
   *   (the same codes a transfer would give for that path).
   */
  async sha256(path: string, opts: Pick<SessionExecOptions, 'timeoutMs' | 'signal'> = {}): Promise<string> {
    const result = await this.exec(`sha256sum -- ${shellQuote(path)}`, { ...opts, maxOutputBytes: 64 * 1024 });
    const hex = /^([0-9a-f]{64})\s/.exec(result.stdout)?.[1];
    if (result.code === 0 && hex !== undefined) return hex;
    const why = result.stderr.trim() || `sha256sum exited ${result.code ?? result.signal}`;
    const code = /No such file/i.test(why) ? 'FLEET_SFTP_NO_SUCH_FILE' : /Permission denied/i.test(why) ? 'FLEET_SFTP_PERMISSION_DENIED' : 'FLEET_SFTP_FAILURE';
    throw new FleetError(code, `${this.host}: sha256 of ${path}: ${why}`, { host: this.host, details: { path } });
  }

  /**
   * Uploads a local file (or, with `recursive`, a directory tree) to `remote`: to a temp name
   * beside the target, verified (size and sha256), then renamed into place, so the target is
   * never half-written. `remote` ending in `/` (or an existing directory) receives the file by name.
   * @throws FleetError FLEET_USAGE (missing local source), FLEET_SFTP_*, FLEET_CHECKSUM_MISMATCH, FLEET_TIMEOUT.
   */
  async put(local: string, remote: string, opts: SessionPutOptions = {}): Promise<TransferOutput> {
    const plan = await planPut([local], { recursive: opts.recursive ?? false, ...(opts.cwd !== undefined && { cwd: opts.cwd }) });
    const shared = new TransferResources();
    const bound = withTimeout(opts.signal, opts.timeoutMs, { name: 'timeoutMs', host: this.host });
    try {
      const job = { plan, remote, mode: opts.mode, skipUnchanged: opts.skipUnchanged ?? false, verify: opts.verify ?? true };
      const output = await putFiles(this.#conn, job, {
        signal: bound.signal,
        emit: (event) => opts.onProgress?.(event),
        shared,
      });
      output.warnings.unshift(...plan.warnings);
      return output;
    } finally {
      bound.dispose();
      await shared.close();
    }
  }

  /**
   * Downloads `remote` (a file, or with `recursive` a tree) into `localDir/<host>/<name>`, as
   * `fleet get` does, so the same code serves one host or many: written to a temp name, verified
   * against the sha256 the host computes, then renamed into place. Remote names can never lead
   * outside `localDir/<host>/` (FLEET_UNSAFE_PATH).
   * @throws FleetError FLEET_SFTP_*, FLEET_CHECKSUM_MISMATCH, FLEET_LOCAL_IO, FLEET_TIMEOUT.
   */
  async get(remote: string, localDir: string, opts: SessionGetOptions = {}): Promise<TransferOutput> {
    const shared = new TransferResources();
    const bound = withTimeout(opts.signal, opts.timeoutMs, { name: 'timeoutMs', host: this.host });
    try {
      const job = { remote, localDir: resolve(opts.cwd ?? process.cwd(), localDir), recursive: opts.recursive ?? false, verify: opts.verify ?? true };
      return await getFiles(this.#conn, job, { signal: bound.signal, emit: (event) => opts.onProgress?.(event), shared });
    } finally {
      bound.dispose();
      await shared.close();
    }
  }

  /**
   * Renames a remote path. Replaces an existing `to` atomically where the server offers
   * posix-rename (OpenSSH does); elsewhere plain SFTP rename, which fails if `to` exists.
   * @throws FleetError FLEET_SFTP_NO_SUCH_FILE / FLEET_SFTP_PERMISSION_DENIED / FLEET_SFTP_FAILURE.
   */
  async rename(from: string, to: string, opts: Pick<SessionExecOptions, 'signal'> = {}): Promise<void> {
    const sftp = await this.#conn.sftp(opts.signal ? { signal: opts.signal } : {});
    try {
      await (sftp.hasPosixRename ? sftp.posixRename(from, to) : sftp.rename(from, to));
    } finally {
      await sftp.end();
    }
  }

  /** Stops running commands (killing their process groups) and closes the connection. Idempotent. */
  close(): Promise<void> {
    // The pool closes the connection it lent; one lost earlier is no longer the pool's, so it is closed here too.
    return this.#source ? this.#source.close().then(() => this.#conn.close()) : this.#conn.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function parseOneHost(target: string, user: string | undefined): HostSpec {
  const hosts = parseAdHocHosts(target, user === undefined ? {} : { user });
  const [first] = hosts;
  if (hosts.length !== 1 || first === undefined) {
    throw new FleetError('FLEET_USAGE', `connect() takes one host, not "${target}" (${hosts.length} hosts); use openFleet for several`);
  }
  return first;
}
