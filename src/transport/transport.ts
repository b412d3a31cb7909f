/**
 * The transport contract the rest of fleet uses. No ssh2 type appears here: tasks and the pool
 * see connections, exec requests and FleetErrors only (pyinfra's connector interface).
 */
import type { OutputFlow } from '../output-flow.js';
import type { FleetError } from '../errors.js';

/**
 * What the transport needs to know about a host to connect to it: owned here, so that transport/
 * does not depend on the inventory. Built from the inventory's HostSpec in one place
 * (`connectTargetOf`, src/run/connect-target.ts).
 */
export interface ConnectTarget {
  /** How errors, events and results name the host. */
  name: string;
  /** DNS name or IP to connect to. */
  address: string;
  port: number;
  user: string;
  /** Private key files to try, in order ("~" already expanded). */
  identityFiles: readonly string[];
  /** Name of an env var holding private key text. */
  keyEnv?: string | undefined;
  /** Name of an env var holding the password (the password itself never enters a target). */
  passwordEnv?: string | undefined;
  /** Use ssh-agent via SSH_AUTH_SOCK. */
  agent?: boolean | undefined;
  /** Jump host(s), as ssh's ProxyJump spells them; resolved by the run's JumpHosts. */
  proxyJump?: string | undefined;
  /** This host's connect bound; wins over ConnectOptions.connectTimeoutMs. */
  connectTimeoutMs?: number | undefined;
  /** This host's own key policy; a run-wide policy given by the caller wins over it. */
  hostKeyPolicy?: HostKeyPolicy | undefined;
  /** `fast` offers ecdh-sha2-nistp256 first (an opt-in security-policy choice, docs/security.md). */
  kexProfile?: 'default' | 'fast' | undefined;
  /** Keep the authenticated connection in the per-user keeper this long once idle (`--persist`); 0/absent: off. */
  persistMs?: number | undefined;
  /** Keepalive after this long of silence from the server (ServerAliveInterval); 0: off. */
  serverAliveIntervalMs?: number | undefined;
  /** Unanswered keepalives before the connection is lost (ServerAliveCountMax). */
  serverAliveCountMax?: number | undefined;
}

/** A server's public host key: its type name and the raw SSH wire blob. */
export interface HostKey {
  /** e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa` (the blob's own type, never `rsa-sha2-*`). */
  type: string;
  blob: Buffer;
}

/** `@revoked`: the key is refused for matching hosts. `@cert-authority`: a CA, never a host key. */
export type KnownHostsMarker = 'revoked' | 'cert-authority';

/** One parsed known_hosts line. */
export interface KnownHostsEntry {
  readonly file: string;
  /** 1-based line number in `file`. */
  readonly line: number;
  readonly marker: KnownHostsMarker | undefined;
  /** The host field as written (pattern list or hashed name). */
  readonly hosts: string;
  readonly keyType: string;
  readonly keyBase64: string;
}

/** Outcome of checking a host's key against known_hosts. */
export type KnownHostsStatus = 'match' | 'mismatch' | 'unknown' | 'revoked';

/** What a known_hosts lookup found, with the lines an error message should cite. */
export interface KnownHostsLookup {
  status: KnownHostsStatus;
  /** The name looked up: `host` or `[host]:port`, lowercase. */
  name: string;
  /** match: the matching line; revoked: the `@revoked` line; mismatch: the line cited (same key type first). */
  entry?: KnownHostsEntry;
  /** mismatch: every plain line pinning another key for this name; empty otherwise. */
  known: readonly KnownHostsEntry[];
}

/** How unknown host keys are treated. Changed and revoked keys always fail, whatever the policy. */
export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

/** Milestones of a connect: `connected` = TCP up and host key verified; then `authenticated`. */
export type ConnectPhase = 'connected' | 'authenticated';

/** The timed phases of a connect, in order (see `ConnectOptions.onTiming`). */
export type ConnectTimingPhase = 'tcp' | 'banner' | 'kex' | 'auth';

/**
 * Key exchange preference. `default` offers curve25519-sha256 first; `nistp256-first` offers
 * ecdh-sha2-nistp256 first, which costs OpenSSH 9.2 servers ~4 ms less CPU per connection
 * (DESIGN §7) but is a security-policy choice, hence opt-in.
 */
export type KexProfile = 'default' | 'nistp256-first';

/**
 * The known_hosts files of a run, read and indexed once and shared by all hosts.
 * Built by `loadKnownHosts()`.
 */
export interface KnownHosts {
  /** Files read, in lookup order (user files, then global ones). */
  readonly files: readonly string[];
  /** Where accept-new appends, or undefined when the run may not write. */
  readonly writeFile: string | undefined;
  /**
   * User files (not the system ones) that did not exist when read: an unknown host key's message
   * names them, since a missing file (a typo in `--known-hosts`, a fresh HOME) is the usual cause.
   */
  readonly missingFiles?: readonly string[];
  /** Line numbers that did not parse, per file (OpenSSH ignores them too). */
  readonly invalidLines: ReadonlyArray<{ file: string; line: number }>;
  /** Checks `key` for `host` on `port` (the address connected to, as OpenSSH does). */
  lookup(host: string, port: number, key: HostKey): KnownHostsLookup;
  /** Key types pinned for this host, to be offered first in the key exchange. */
  keyTypesFor(host: string, port: number): string[];
  /**
   * Pins `key` for `host`/`port` (accept-new): appended atomically under a lock, once, however many
   * connections ask at the same time. Resolves with the lookup after the write: `match` when
   * pinned (now or already), `mismatch`/`revoked` if the file on disk says otherwise by then.
   * A key that cannot be written stays pinned in memory for the run (the loader reports why).
   */
  add(host: string, port: number, key: HostKey): Promise<KnownHostsLookup>;
}

/** What may be shown about a loaded private key (never the key itself). */
export interface KeyInfo {
  /** The key file path, or `env:NAME` for key text from an env var. */
  readonly source: string;
  readonly type: string;
  /** SHA256 fingerprint of the public half, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
}

/**
 * Private keys parsed once per run and shared by all hosts. Built by `createCredentialCache()`;
 * the SSH transport accepts only caches made there.
 */
export interface CredentialCache {
  /** Loads (once) the private key file at `path`. Rejects with FLEET_KEY_INVALID naming the file. */
  loadKeyFile(path: string): Promise<KeyInfo>;
  /** Loads (once) private key text held in env var `envVar`. Rejects with FLEET_KEY_INVALID. */
  loadKeyText(envVar: string): Promise<KeyInfo>;
}

/** Options of {@link Transport.connect}. */
export interface ConnectOptions {
  /** One bound for TCP + banner + key exchange + authentication together (`ConnectTarget.connectTimeoutMs` wins when set). */
  connectTimeoutMs: number;
  /** The run's policy for this host (fold the target's own `hostKeyPolicy` in before calling). */
  hostKeyPolicy: HostKeyPolicy;
  /** The run's known_hosts, from `loadKnownHosts()` over the hosts' `knownHostsFiles`; looked up by address and port. */
  knownHosts: KnownHosts;
  /** The run's key cache, from `createCredentialCache()`. */
  credentials: CredentialCache;
  /** Aborting ends the attempt at once; the promise rejects with the reason (FLEET_CANCELLED if it is not a FleetError). */
  signal?: AbortSignal;
  onPhase?: (phase: ConnectPhase) => void;
  /**
   * Each connect phase's duration in ms, as it ends: `tcp` (socket open), `banner` (the server's
   * identification complete), `kex` (key exchange done, host key verified), `auth`. Reports the
   * last attempt's phases only when it is the one that got in (earlier attempts report theirs too).
   */
  onTiming?: (phase: ConnectTimingPhase, durationMs: number) => void;
  /**
   * Protocol-level debug lines (ssh2's `debug`), for `-vv`. ssh2 does not print secrets in them;
   * the caller still redacts what it shows.
   */
  debug?: (line: string) => void;
  /** SSH keepalive interval once connected. Default 15000; 0 disables. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection is declared lost. Default 3. */
  keepaliveCountMax?: number;
  /** The server's MaxSessions (channels per connection). Default 10, OpenSSH's default. */
  maxSessions?: number;
  kexProfile?: KexProfile;
  /**
   * Extra attempts after a failure in the connection phase (refused, reset, timed out before
   * authentication), with jittered exponential backoff. Never after authentication began. Default 0.
   */
  retries?: number;
  /** Base of the backoff between attempts. Default 250 ms (then ~500, ~1000, ... capped at 4 s). */
  retryDelayMs?: number;
  /** The run's jump hosts (from `createJumpHosts()`); required for hosts with `proxyJump`. */
  jumps?: JumpHosts;
  /**
   * Room under the caller's cap on open connections for those the transport opens on its own
   * (jump hosts). Given by the connection pool; absent, such connections are not counted.
   */
  slots?: ConnectionSlots;
}

/**
 * Where a transport takes room for a connection it opens on its own, beside the one it was asked
 * for: a jump host's. The connection pool gives its cap this way (pool.ts).
 */
export interface ConnectionSlots {
  /**
   * Resolves with a slot once one more connection may open (the connection is busy until told
   * otherwise); rejects with FLEET_CANCELLED when the pool closes first. `close` is how the pool
   * asks for the connection to close: only while it is idle, when a host waits for its slot or
   * the pool's idle timeout passed. The slot stays taken until `release()`.
   */
  take(name: string, close: () => void): Promise<ConnectionSlot>;
  /** The cap in force: a chain of more jump hosts than this can never be open at once. */
  readonly limit: number;
}

/** One connection's room under the cap (see {@link ConnectionSlots}). */
export interface ConnectionSlot {
  /** Idle: nothing uses the connection; the pool may then ask for it to close. */
  setIdle(idle: boolean): void;
  /** The connection is closed (or never opened): the room is free again. Idempotent. */
  release(): void;
}

/**
 * The run's jump hosts (ProxyJump): one shared, authenticated connection per bastion, each with a
 * cap on the handshakes in flight through it. Built by `createJumpHosts()`; close it after the
 * connections that go through it.
 */
export interface JumpHosts {
  /**
   * Connects (or joins) the jump hosts `target` goes through and keeps them open for it until the
   * returned function is called (once, after the target's connection closed or failed): a jump
   * host nothing holds is idle, closed when `opts.slots` asks for its room. Resolves undefined
   * for a target reached directly. Rejects like a connect (the hop's error, labelled for
   * `target`), or with the reason when `opts.signal` aborts.
   */
  hold(target: ConnectTarget, opts: ConnectOptions): Promise<(() => void) | undefined>;
  /** Closes every bastion connection. Idempotent. */
  close(): Promise<void>;
}

/** How long the connect of a {@link Connection} took, in ms from the start of its last attempt. */
export interface ConnectTiming {
  /** When that attempt started (ms since the epoch). */
  startedAt: number;
  /** TCP connection (or jump channel) open. */
  socketMs: number;
  /** Key exchange done and host key verified. */
  kexMs: number;
  /** Authenticated: the whole connect. */
  authMs: number;
  /** Attempts made (1 + retries used). */
  attempts: number;
}

/** One command to run on a connection. */
export interface ExecRequest {
  /** Passed to the remote user's login shell (`$SHELL -c`), which must be POSIX-like (sh, bash, dash, zsh, ksh). */
  command: string;
  /** Abort kills the remote process group, then the promise rejects with the reason (FLEET_CANCELLED if it is not a FleetError). */
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** The output consumer's backpressure: while it is congested the channel is not read (see OutputFlow). */
  flow?: OutputFlow;
  /** Written, then EOF; absent means EOF at once. */
  stdin?: Buffer | string;
  /**
   * True when `stdin` carries a secret (a sudo password): a transport that relays commands
   * through another process (the --persist keeper) runs this one over its own connection instead.
   */
  stdinIsSecret?: boolean;
  /** Allocate a pseudo-terminal (stderr then arrives merged into stdout). */
  pty?: boolean;
  /** Each phase's duration in ms as it ends: `channel` (session open), then `exit` (command ran). */
  onTiming?: (phase: 'channel' | 'exit', durationMs: number) => void;
  /**
   * Exported by the remote shell before the command runs (works whatever the server's AcceptEnv).
   * Names must match `[A-Za-z_][A-Za-z0-9_]*`. Values are part of the remote shell's command line.
   */
  env?: Record<string, string>;
  /**
   * Check the connection still answers before the command is sent: a keepalive goes out in the
   * same flight as the channel open, so a live connection pays no extra round trip (the server
   * answers in order, so the channel, hence the command, only starts after the keepalive's reply).
   * When no reply comes within this many ms, or the connection is found closed, the connection is
   * torn down before the command could be sent, and exec rejects with FLEET_CONNECTION_LOST whose
   * `details.started` is false: running it elsewhere cannot run it twice (see isNotStarted).
   */
  aliveWithinMs?: number;
}

/** True for an exec failure that happened before the command was sent (see ExecRequest.aliveWithinMs). */
export function isNotStarted(error: unknown): boolean {
  const e = error as { code?: unknown; context?: { details?: Record<string, unknown> } } | undefined;
  return e?.code === 'FLEET_CONNECTION_LOST' && e.context?.details?.['started'] === false;
}

/** How a remote command ended: its exit code, or the signal that killed it. */
export interface ExecExit {
  exitCode: number | null;
  /** e.g. `SIGTERM`, when the command was killed by a signal. */
  signal: string | null;
}

/** An authenticated connection to one host. */
export interface Connection {
  /** The inventory name of the host. */
  readonly host: string;
  /** The host key the server proved it holds; fingerprint as `ssh-keygen -lf` prints it. */
  readonly hostKey: { type: string; fingerprint: string };
  /** How the connect went. */
  readonly timing: ConnectTiming;
  /**
   * One SSH round trip on the open connection (a keepalive request and its reply), in ms:
   * proves the server still answers. Undefined when the SSH library offers no way to send one.
   */
  roundTrip(opts?: { signal?: AbortSignal }): Promise<number | undefined>;
  /** Runs one command; queues when the host's session limit is reached. Rejects only with FleetError. */
  exec(req: ExecRequest): Promise<ExecExit>;
  /**
   * Opens an SFTP session on this connection's transport (no second connection): one channel,
   * counted against the host's session limit like an exec, so it queues when the limit is
   * reached. Several may be open at once (a large transfer uses a few). Rejects only with
   * FleetError. End it with `SftpSession.end()`; `close()` ends any still open.
   */
  sftp(opts?: { signal?: AbortSignal }): Promise<SftpSession>;
  /** Session slots free right now (the server's MaxSessions, less open channels and the kill reserve). */
  readonly idleSessions: number;
  /** Stops running commands (their process groups are killed), closes every channel, then the connection. Idempotent. */
  close(): Promise<void>;
  /** Settles when the connection ends: undefined after `close()`, the FleetError otherwise. Never rejects. */
  readonly closed: Promise<FleetError | undefined>;
}

/** A remote file's attributes, as SFTP reports them (`stat` follows symlinks, `lstat` does not). */
export interface RemoteStats {
  size: number;
  /** st_mode: file type and permission bits. */
  mode: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}

/** One entry of a remote directory. `name` is as the server sent it: untrusted. */
export interface RemoteDirEntry {
  name: string;
  /** The entry's own attributes (OpenSSH reports lstat: a symlink is a symlink). */
  stats: RemoteStats;
}

/** An open remote file: opaque, valid on the session that opened it until `close`. */
export type RemoteHandle = Buffer & { readonly __remoteHandle: unique symbol };

/**
 * An SFTP session on a connection: the calls fleet's transfers need, as promises. Every failure
 * is a FleetError: FLEET_SFTP_NO_SUCH_FILE, FLEET_SFTP_PERMISSION_DENIED, FLEET_SFTP_FAILURE,
 * or FLEET_CONNECTION_LOST when the connection died. Messages name the host, call and path.
 */
export interface SftpSession {
  readonly host: string;
  /** Largest data size one write request carries (the server's limits@openssh.com, else ~31 KiB). */
  readonly maxWriteBytes: number;
  /** Largest data size one read request returns. */
  readonly maxReadBytes: number;
  /** True when the server offers posix-rename@openssh.com, a rename that atomically replaces its target. */
  readonly hasPosixRename: boolean;
  /** `r` read; `w` create or truncate; `wx` create, failing if the path exists (O_EXCL). */
  open(path: string, flags: 'r' | 'w' | 'wx' | 'r+', mode?: number): Promise<RemoteHandle>;
  /** Writes all of `data` at `position` (split into requests of at most maxWriteBytes, all in flight). */
  write(handle: RemoteHandle, data: Uint8Array, position: number): Promise<void>;
  /** Reads up to `length` bytes at `position` into `buffer` at `offset`; resolves the count, 0 at end of file. */
  read(handle: RemoteHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  fstat(handle: RemoteHandle): Promise<RemoteStats>;
  fchmod(handle: RemoteHandle, mode: number): Promise<void>;
  close(handle: RemoteHandle): Promise<void>;
  stat(path: string): Promise<RemoteStats>;
  lstat(path: string): Promise<RemoteStats>;
  mkdir(path: string, mode?: number): Promise<void>;
  /** Plain SFTP rename: fails when `to` exists (OpenSSH). */
  rename(from: string, to: string): Promise<void>;
  /** posix-rename@openssh.com: replaces `to` atomically. FLEET_SFTP_FAILURE when `hasPosixRename` is false. */
  posixRename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  readdir(path: string): Promise<RemoteDirEntry[]>;
  readlink(path: string): Promise<string>;
  /** Creates the symlink `path` pointing at `target` (the text, unresolved). */
  symlink(target: string, path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  realpath(path: string): Promise<string>;
  /** Bytes available to the user on `path`'s file system (statvfs@openssh.com); undefined when unsupported. */
  freeBytes(path: string): Promise<number | undefined>;
  /** Ends the channel and frees its session slot; pending calls reject. Idempotent. */
  end(): Promise<void>;
}

/** Opens connections. Rejects only with FleetError (HostKeyError, AuthError included). */
export interface Transport {
  connect(target: ConnectTarget, opts: ConnectOptions): Promise<Connection>;
  /**
   * Reads the host's key without authenticating: key exchange only (the server proves it holds
   * the key), then disconnect. Jump hosts on the way are authenticated as usual. Rejects only
   * with FleetError; never consults the host key policy for the scanned host itself.
   */
  scanHostKey?(target: ConnectTarget, opts: ConnectOptions): Promise<HostKey>;
  /**
   * True when this transport reaches `target`'s jump hosts by itself (the --persist keeper keeps
   * them with the connection): the caller then neither opens nor holds them (JumpHosts.hold).
   */
  carriesJumps?(target: ConnectTarget): boolean;
}
