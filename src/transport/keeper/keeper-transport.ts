/**
 * The client side of the keeper: a {@link Transport} whose connections live in the keeper
 * process (keeper.ts), so the next fleet command reuses them. Hosts that may not be kept (persist
 * off, secrets from env, jump hosts; see identity.ts) go to the direct transport unchanged.
 * The first use starts the keeper, detached (like OpenSSH's `ControlMaster auto`).
 *
 * A kept Connection runs each command over its own unix-socket connection to the keeper, which
 * pipes the channel's bytes and exit status; the socket's flow control carries back-pressure.
 * An SFTP session is one more socket: each call is relayed (RelayedSftpSession). Only a command
 * whose stdin carries a secret runs on a direct connection of this process's own.
 */
import type { ConnectTarget } from '../transport.js';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { FleetError, isFleetError, toFleetError } from '../../errors.js';
import { abortError } from '../ssh/errors.js';
import { decideHostKey } from '../ssh/host-key-check.js';
import { hostKeyFromBlob } from '../ssh/host-key.js';
import type { Connection, ConnectOptions, ConnectTiming, ExecExit, ExecRequest, RemoteDirEntry, RemoteHandle, RemoteStats, SftpSession, Transport } from '../transport.js';
import { notPersistable, persistTarget } from './identity.js';
import { checkPrivateDir, ensurePrivateDir, keeperPaths, type KeeperPaths, readToken } from './paths.js';
import {
  type AcquireResult,
  type ControlReply,
  type ControlRequest,
  decodeCall,
  encodeCall,
  encodeFrame,
  Frame,
  FrameReader,
  fromWireError,
  type KeeperStatus,
  LineReader,
  type WireError,
  toWireError,
} from './protocol.js';

/** Beyond the connect timeout: the keeper's liveness check (3 s) and its own scheduling. */
const ACQUIRE_SLACK_MS = 5000;
/** After an abort, how long the keeper has to report the command stopped (its kill path is bounded by 4 s). */
const ABORT_ANSWER_MS = 6000;

/** Options of {@link createKeeperTransport}. */
export interface KeeperTransportOptions {
  /** Connects hosts that are not kept, and the SFTP sessions of kept ones. */
  direct: Transport;
  /** For the keeper's location (FLEET_KEEPER_DIR, XDG_RUNTIME_DIR, HOME). */
  env: Readonly<Record<string, string | undefined>>;
  /** How to start the keeper; default: this Node with keeper-main.js beside this module. */
  keeperCommand?: readonly string[];
}

/** A transport that keeps connections in the keeper; close it (to end its control connection) after the run. */
export interface KeeperTransport extends Transport {
  close(): void;
}

export function createKeeperTransport(opts: KeeperTransportOptions): KeeperTransport {
  const paths = keeperPaths(opts.env);
  let client: Promise<KeeperClient> | undefined;
  const control = (): Promise<KeeperClient> => {
    const current = client;
    if (current !== undefined) {
      return current.then((c) => {
        if (!c.isClosed) return c;
        if (client === current) client = undefined;
        return control();
      });
    }
    const next = KeeperClient.open(paths, opts, true);
    client = next;
    next.catch(() => {
      if (client === next) client = undefined;
    });
    return next;
  };
  return {
    async connect(host: ConnectTarget, options: ConnectOptions): Promise<Connection> {
      if (notPersistable(host) !== undefined) return opts.direct.connect(host, options);
      const persisted = await persistTarget(host, options);
      // A jump host logs in with a secret from the environment: the keeper cannot reach this host.
      if (persisted === undefined) return opts.direct.connect(host, options);
      const { target, key } = persisted;
      const keeper = await control();
      const t0 = performance.now();
      let result: AcquireResult;
      try {
        // Bounded like a connect (plus the liveness check): a keeper that stopped answering must
        // not hang the run.
        const bound = AbortSignal.timeout(target.connectTimeoutMs + ACQUIRE_SLACK_MS);
        const signal = options.signal === undefined ? bound : AbortSignal.any([options.signal, bound]);
        result = await keeper.request<AcquireResult>({ op: 'acquire', key, target }, signal).catch((error: unknown) => {
          if (bound.aborted && !(options.signal?.aborted ?? false)) {
            throw new FleetError('FLEET_CONNECT_TIMEOUT', `${host.name}: the fleet keeper did not hand over a connection within ${target.connectTimeoutMs + ACQUIRE_SLACK_MS} ms`, { host: host.name });
          }
          if (options.signal?.aborted === true) throw abortError(options.signal, host.name);
          throw error;
        });
      } catch (error) {
        // A key the keeper cannot use by itself (an encrypted one, whose passphrase stays here):
        // this host connects directly, as without --persist.
        if (isFleetError(error) && error.code === 'FLEET_KEY_INVALID') return opts.direct.connect(host, options);
        throw error;
      }
      const conn = new KeptConnection(keeper, paths, host, options, key, target.persistMs, result, performance.now() - t0, opts.direct);
      // The run's own known_hosts and policy decide, as for a fresh connection: a key changed or
      // revoked since the keeper connected is refused before any command runs.
      if (result.reused && options.hostKeyPolicy !== 'off') {
        const shown = hostKeyFromBlob(Buffer.from(result.hostKey.blob, 'base64'));
        const decision = shown === undefined ? undefined : decideHostKey({ name: host.name, address: host.address, port: host.port }, shown, options.hostKeyPolicy, options.knownHosts);
        if (decision !== undefined && !decision.accept) {
          await conn.close();
          throw decision.error;
        }
      }
      options.onPhase?.('connected');
      options.onPhase?.('authenticated');
      return conn;
    },
    // A kept host's jump hosts are the keeper's (kept with it): the pool must not open them here.
    carriesJumps: (host: ConnectTarget) => notPersistable(host) === undefined,
    // Scanning a host key authenticates to nothing: nothing to keep.
    ...(opts.direct.scanHostKey !== undefined && { scanHostKey: opts.direct.scanHostKey.bind(opts.direct) }),
    close(): void {
      void client?.then((c) => c.close(), () => undefined);
      client = undefined;
    },
  };
}

/** Asks the keeper for its status; undefined when no keeper runs. */
export async function keeperStatus(env: Readonly<Record<string, string | undefined>>): Promise<KeeperStatus | undefined> {
  const client = await KeeperClient.open(keeperPaths(env), { env }, false).catch(() => undefined);
  if (client === undefined) return undefined;
  try {
    return await client.request({ op: 'status' });
  } finally {
    client.close();
  }
}

/** Asks the keeper to stop (running commands finish first); false when no keeper runs. */
export async function stopKeeper(env: Readonly<Record<string, string | undefined>>): Promise<boolean> {
  const client = await KeeperClient.open(keeperPaths(env), { env }, false).catch(() => undefined);
  if (client === undefined) return false;
  try {
    await client.request({ op: 'stop' });
    return true;
  } finally {
    client.close();
  }
}

type RequestBody = ControlRequest extends infer R ? (R extends ControlRequest ? Omit<R, 'id'> : never) : never;

/** One control connection to the keeper: JSON requests and replies matched by id. */
class KeeperClient {
  readonly paths: KeeperPaths;
  readonly token: string;
  readonly closed: Promise<FleetError>;
  #sock: net.Socket;
  #nextId = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: FleetError) => void }>();
  #isClosed = false;

  private constructor(sock: net.Socket, paths: KeeperPaths, token: string) {
    this.#sock = sock;
    this.paths = paths;
    this.token = token;
    const lines = new LineReader();
    sock.on('data', (chunk: Buffer) => {
      for (const reply of lines.push(chunk) as ControlReply[]) {
        const waiter = this.#pending.get(reply.id);
        // Removed before the waiter runs, so that it sees whether any reply is still awaited.
        this.#pending.delete(reply.id);
        if (reply.ok) waiter?.resolve(reply.result);
        else waiter?.reject(fromWireError(reply.error));
      }
    });
    sock.on('error', () => undefined);
    sock.unref();
    this.closed = new Promise((resolve) => {
      sock.on('close', () => {
        this.#isClosed = true;
        const error = new FleetError('FLEET_CONNECTION_LOST', 'fleet keeper: the keeper went away');
        for (const waiter of this.#pending.values()) waiter.reject(error);
        this.#pending.clear();
        resolve(error);
      });
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Connects (starting the keeper first when `start` and none answers). */
  static async open(paths: KeeperPaths, opts: Pick<KeeperTransportOptions, 'env' | 'keeperCommand'>, start: boolean): Promise<KeeperClient> {
    // Only a start makes the directory: asking a keeper that never ran leaves no trace.
    if (start) ensurePrivateDir(paths.dir);
    else if (existsSync(paths.dir)) checkPrivateDir(paths.dir);
    else throw new FleetError('FLEET_CONNECTION_LOST', 'fleet keeper: not running');
    let sock = await connectSocket(paths.socket).catch(() => undefined);
    if (sock === undefined) {
      if (!start) throw new FleetError('FLEET_CONNECTION_LOST', 'fleet keeper: not running');
      await startKeeper(paths, opts);
      sock = await connectSocket(paths.socket);
    }
    const token = readToken(paths.token);
    sock.write(`${JSON.stringify({ token, op: 'control' })}\n`);
    return new KeeperClient(sock, paths, token);
  }

  request<T>(body: RequestBody, signal?: AbortSignal): Promise<T> {
    if (this.#isClosed) return Promise.reject(new FleetError('FLEET_CONNECTION_LOST', 'fleet keeper: the keeper went away'));
    const id = this.#nextId++;
    // Referenced only while a reply is awaited: an idle control connection never keeps a
    // finished command's process alive.
    this.#sock.ref();
    const settle = (): void => {
      if (this.#pending.size === 0) this.#sock.unref();
    };
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        this.#pending.delete(id);
        settle();
        reject(toFleetError(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          settle();
          resolve(v as T);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          settle();
          reject(e);
        },
      });
      this.#sock.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  close(): void {
    this.#sock.end();
  }
}

/**
 * Connects an exec connection. A keeper whose listen queue is full (a thousand commands starting
 * at once) refuses with EAGAIN: the command has not started, so connecting again is safe.
 */
async function connectExecSocket(path: string, host: string, signal: AbortSignal | undefined): Promise<net.Socket> {
  for (let attempt = 1; ; attempt += 1) {
    if (signal?.aborted) throw abortError(signal, host);
    try {
      return await connectSocket(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'EAGAIN' && code !== 'ECONNREFUSED') || attempt >= 100) {
        throw new FleetError('FLEET_CONNECTION_LOST', `${host}: could not reach the fleet keeper (${code ?? String(error)}); the command did not start`, { host });
      }
      await new Promise((r) => setTimeout(r, Math.min(5 * attempt, 100)));
    }
  }
}

function connectSocket(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(path);
    sock.once('connect', () => {
      sock.off('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

/** Starts the keeper detached and waits for its `ready` (or `running`, when another one won the race). */
async function startKeeper(paths: KeeperPaths, opts: Pick<KeeperTransportOptions, 'env' | 'keeperCommand'>): Promise<void> {
  const [file, ...args] = opts.keeperCommand ?? [process.execPath, keeperEntry()];
  // Only what locates the keeper and the user's files: none of this process's secrets.
  const env: Record<string, string> = {};
  for (const name of ['HOME', 'PATH', 'XDG_RUNTIME_DIR', 'LANG', 'TMPDIR']) {
    const value = opts.env[name];
    if (value !== undefined) env[name] = value;
  }
  env['FLEET_KEEPER_DIR'] = paths.dir;
  // Loaded only when a keeper is to be started, not by every warm run.
  const { spawn } = process.getBuiltinModule('node:child_process');
  const child = spawn(file as string, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.trim());
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve(text.trim() || `exit ${code}`));
  });
  child.stdout.destroy();
  child.unref();
  if (line !== 'ready' && line !== 'running') throw new FleetError('FLEET_CONNECTION_LOST', `fleet keeper: could not start it (${line})`);
}

/**
 * keeper-main.js beside this module (the CLI bundle and the compiled library both put it there);
 * when this module runs from TypeScript source (tests), the built bundle's.
 */
function keeperEntry(): string {
  const beside = fileURLToPath(new URL('./keeper-main.js', import.meta.url));
  if (existsSync(beside) || !import.meta.url.endsWith('.ts')) return beside;
  return fileURLToPath(new URL('../../../dist/cli/keeper-main.js', import.meta.url));
}

/** An SFTP session in the keeper, its calls relayed over one socket (matched by id). */
class RelayedSftpSession implements SftpSession {
  readonly host: string;
  readonly maxWriteBytes: number;
  readonly maxReadBytes: number;
  readonly hasPosixRename: boolean;
  readonly closed: Promise<void>;
  #sock: net.Socket;
  #nextId = 1;
  #calls = new Map<number, { resolve: (r: { r: unknown; data: Buffer }) => void; reject: (e: FleetError) => void }>();
  #failure: FleetError | undefined;

  private constructor(sock: net.Socket, host: string, props: { maxWriteBytes: number; maxReadBytes: number; hasPosixRename: boolean }, frames: FrameReader) {
    this.#sock = sock;
    this.host = host;
    this.maxWriteBytes = props.maxWriteBytes;
    this.maxReadBytes = props.maxReadBytes;
    this.hasPosixRename = props.hasPosixRename;
    sock.on('data', (chunk: Buffer) => {
      for (const f of frames.push(chunk)) {
        if (f.type !== Frame.Reply) continue;
        const { header, data } = decodeCall(f.payload);
        const h = header as { id: number; ok: boolean; r?: unknown; e?: WireError };
        const call = this.#calls.get(h.id);
        this.#calls.delete(h.id);
        if (h.ok) call?.resolve({ r: h.r, data: Buffer.from(data) });
        else call?.reject(fromWireError(h.e as WireError));
      }
    });
    this.closed = new Promise((resolve) =>
      sock.on('close', () => {
        this.#failure ??= new FleetError('FLEET_CONNECTION_LOST', `${host}: the fleet keeper went away during SFTP`, { host });
        for (const call of this.#calls.values()) call.reject(this.#failure);
        this.#calls.clear();
        resolve();
      }),
    );
  }

  static open(sock: net.Socket, host: string, hello: object, signal: AbortSignal | undefined): Promise<RelayedSftpSession> {
    return new Promise((resolve, reject) => {
      const frames = new FrameReader();
      const onAbort = (): void => {
        sock.destroy();
        reject(abortError(signal as AbortSignal, host));
      };
      const onData = (chunk: Buffer): void => {
        const [first] = frames.push(chunk);
        if (first === undefined) return;
        sock.off('data', onData);
        sock.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
        if (first.type !== Frame.SftpReady) {
          sock.destroy();
          reject(first.type === Frame.Error ? fromWireError(JSON.parse(first.payload.toString()) as WireError) : new FleetError('FLEET_INTERNAL', `${host}: unexpected keeper reply`, { host }));
          return;
        }
        const session = new RelayedSftpSession(sock, host, JSON.parse(first.payload.toString()) as { maxWriteBytes: number; maxReadBytes: number; hasPosixRename: boolean }, frames);
        resolve(session);
      };
      const onClose = (): void => reject(new FleetError('FLEET_CONNECTION_LOST', `${host}: the fleet keeper went away opening SFTP`, { host }));
      sock.on('data', onData);
      sock.on('close', onClose);
      sock.on('error', () => undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      sock.write(`${JSON.stringify(hello)}\n`);
    });
  }

  #call(m: string, a: unknown[], data?: Uint8Array): Promise<{ r: unknown; data: Buffer }> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      this.#sock.write(encodeFrame(Frame.Call, encodeCall({ id, m, a }, data)));
    });
  }

  async open(path: string, flags: 'r' | 'w' | 'wx' | 'r+', mode?: number): Promise<RemoteHandle> {
    return Buffer.from(String((await this.#call('open', [path, flags, mode])).r), 'base64') as RemoteHandle;
  }
  async write(handle: RemoteHandle, data: Uint8Array, position: number): Promise<void> {
    // Frames are bounded: large writes go as several calls, all in flight.
    const step = 1024 * 1024;
    const parts: Promise<unknown>[] = [];
    for (let at = 0; at < data.length || at === 0; at += step) {
      parts.push(this.#call('write', [handle.toString('base64'), position + at], data.subarray(at, at + step)));
      if (data.length === 0) break;
    }
    await Promise.all(parts);
  }
  async read(handle: RemoteHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const { data } = await this.#call('read', [handle.toString('base64'), Math.min(length, 1024 * 1024), position]);
    data.copy(buffer, offset);
    return data.length;
  }
  async fstat(handle: RemoteHandle): Promise<RemoteStats> {
    return (await this.#call('fstat', [handle.toString('base64')])).r as RemoteStats;
  }
  async fchmod(handle: RemoteHandle, mode: number): Promise<void> {
    await this.#call('fchmod', [handle.toString('base64'), mode]);
  }
  async close(handle: RemoteHandle): Promise<void> {
    await this.#call('close', [handle.toString('base64')]);
  }
  async stat(path: string): Promise<RemoteStats> {
    return (await this.#call('stat', [path])).r as RemoteStats;
  }
  async lstat(path: string): Promise<RemoteStats> {
    return (await this.#call('lstat', [path])).r as RemoteStats;
  }
  async mkdir(path: string, mode?: number): Promise<void> {
    await this.#call('mkdir', [path, mode]);
  }
  async rename(from: string, to: string): Promise<void> {
    await this.#call('rename', [from, to]);
  }
  async posixRename(from: string, to: string): Promise<void> {
    await this.#call('posixRename', [from, to]);
  }
  async unlink(path: string): Promise<void> {
    await this.#call('unlink', [path]);
  }
  async rmdir(path: string): Promise<void> {
    await this.#call('rmdir', [path]);
  }
  async readdir(path: string): Promise<RemoteDirEntry[]> {
    return (await this.#call('readdir', [path])).r as RemoteDirEntry[];
  }
  async readlink(path: string): Promise<string> {
    return (await this.#call('readlink', [path])).r as string;
  }
  async symlink(target: string, path: string): Promise<void> {
    await this.#call('symlink', [target, path]);
  }
  async chmod(path: string, mode: number): Promise<void> {
    await this.#call('chmod', [path, mode]);
  }
  async realpath(path: string): Promise<string> {
    return (await this.#call('realpath', [path])).r as string;
  }
  async freeBytes(path: string): Promise<number | undefined> {
    return (await this.#call('freeBytes', [path])).r as number | undefined;
  }
  async end(): Promise<void> {
    this.#sock.end();
    await this.closed;
  }
}

/** A connection held by the keeper, as the engine sees any connection. */
class KeptConnection implements Connection {
  readonly host: string;
  readonly hostKey: { type: string; fingerprint: string };
  readonly timing: ConnectTiming;
  readonly closed: Promise<FleetError | undefined>;
  #keeper: KeeperClient;
  #paths: KeeperPaths;
  #spec: ConnectTarget;
  #options: ConnectOptions;
  #key: string;
  #persistMs: number;
  #direct: Transport;
  #sftpConn: Promise<Connection> | undefined;
  #running = new Set<{ abort: (e: FleetError) => void; done: Promise<unknown> }>();
  #closing: Promise<void> | undefined;
  #resolveClosed!: (v: FleetError | undefined) => void;
  #maxSessions: number;

  constructor(keeper: KeeperClient, paths: KeeperPaths, spec: ConnectTarget, options: ConnectOptions, key: string, persistMs: number, result: AcquireResult, acquireMs: number, direct: Transport) {
    this.host = spec.name;
    this.hostKey = { type: result.hostKey.type, fingerprint: result.hostKey.fingerprint };
    this.timing = result.reused
      ? { startedAt: Date.now() - Math.round(acquireMs), socketMs: 0, kexMs: 0, authMs: Math.round(acquireMs), attempts: 1 }
      : { ...result.timing };
    this.#keeper = keeper;
    this.#paths = paths;
    this.#spec = spec;
    this.#options = options;
    this.#key = key;
    this.#persistMs = persistMs;
    this.#direct = direct;
    this.#maxSessions = options.maxSessions ?? 10;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    void keeper.closed.then((error) => {
      const lost = new FleetError('FLEET_CONNECTION_LOST', `${this.host}: the fleet keeper went away`, { host: this.host });
      for (const run of this.#running) run.abort(lost);
      this.#resolveClosed(this.#closing === undefined ? lost : undefined);
      return error;
    });
  }

  get idleSessions(): number {
    return Math.max(0, this.#maxSessions - 1 - this.#running.size);
  }

  async roundTrip(opts: { signal?: AbortSignal } = {}): Promise<number | undefined> {
    return this.#keeper.request<number | undefined>({ op: 'ping', key: this.#key }, opts.signal);
  }

  exec(req: ExecRequest): Promise<ExecExit> {
    if (this.#closing !== undefined || this.#keeper.isClosed) {
      return Promise.reject(new FleetError('FLEET_CANCELLED', `${this.host}: the connection is closed`, { host: this.host }));
    }
    // A secret (a sudo password on stdin) never crosses the keeper's socket.
    if (req.stdinIsSecret === true) return this.#directConnection().then((c) => c.exec(req));
    // Until the exec connection is up, an abort only needs remembering: nothing has started.
    let early: FleetError | undefined;
    let abortRun: (e: FleetError) => void = (e) => (early ??= e);
    // -v's phases through the keeper: `channel` is the wait for the keeper's exec socket (its
    // SSH channel opens behind it), `exit` the rest, until the exit status.
    const t0 = performance.now();
    const done = connectExecSocket(this.#paths.socket, this.host, req.signal).then((sock) => new Promise<ExecExit>((resolve, reject) => {
      const t1 = performance.now();
      req.onTiming?.('channel', t1 - t0);
      if (early !== undefined) {
        sock.destroy();
        reject(early);
        return;
      }
      const frames = new FrameReader();
      let settled = false;
      let sentAbort = false;
      const finish = (error: FleetError | undefined, exit?: ExecExit): void => {
        if (settled) return;
        settled = true;
        req.signal?.removeEventListener('abort', onAbort);
        if (error !== undefined) reject(error);
        else {
          req.onTiming?.('exit', performance.now() - t1);
          resolve(exit as ExecExit);
        }
      };
      const sendAbort = (reason: FleetError): void => {
        if (sentAbort || sock.destroyed) return;
        sentAbort = true;
        sock.write(encodeFrame(Frame.Abort, JSON.stringify(toWireError(reason))));
        // A keeper that does not answer (stopped, say) must not hold the run past its bounds.
        const timer = setTimeout(() => {
          sock.destroy();
          finish(reason);
        }, ABORT_ANSWER_MS);
        timer.unref();
        sock.once('close', () => clearTimeout(timer));
      };
      abortRun = (e) => {
        sendAbort(e);
        // The keeper itself is gone: nothing will answer.
        if (this.#keeper.isClosed) {
          sock.destroy();
          finish(e);
        }
      };
      const onAbort = (): void => sendAbort(abortError(req.signal as AbortSignal, this.host));
      sock.on('error', () => undefined);
      sock.on('data', (chunk: Buffer) => {
        let got: Array<{ type: number; payload: Buffer }>;
        try {
          got = frames.push(chunk);
        } catch (error) {
          sock.destroy();
          finish(toFleetError(error, this.host));
          return;
        }
        for (const f of got) {
          switch (f.type) {
            case Frame.Stdout:
              req.onStdout?.(Buffer.from(f.payload));
              break;
            case Frame.Stderr:
              req.onStderr?.(Buffer.from(f.payload));
              break;
            case Frame.Exit:
              finish(undefined, JSON.parse(f.payload.toString()) as ExecExit);
              break;
            case Frame.Error:
              finish(fromWireError(JSON.parse(f.payload.toString()) as WireError));
              break;
          }
        }
        // The output's consumer is backed up: stop reading; the keeper then stops reading the channel.
        if (req.flow?.congested && !sock.isPaused()) {
          sock.pause();
          void req.flow.whenClear().then(() => sock.resume());
        }
      });
      sock.on('close', () => {
        // No exit status and no error: the keeper died while the command ran. It may have run.
        finish(new FleetError('FLEET_CONNECTION_LOST', `${this.host}: the fleet keeper went away while the command ran; its outcome is unknown`, { host: this.host }));
      });
      const hello = { token: this.#keeper.token, op: 'exec', key: this.#key, command: req.command, ...(req.pty === true && { pty: true }), ...(req.env !== undefined && { env: req.env }) };
      const parts: Buffer[] = [Buffer.from(`${JSON.stringify(hello)}\n`)];
      if (req.stdin !== undefined) {
        const data = typeof req.stdin === 'string' ? Buffer.from(req.stdin) : req.stdin;
        for (let at = 0; at < data.length; at += 1024 * 1024) parts.push(encodeFrame(Frame.Stdin, data.subarray(at, at + 1024 * 1024)));
      }
      parts.push(encodeFrame(Frame.StdinEnd));
      sock.write(Buffer.concat(parts));
      if (req.signal?.aborted) onAbort();
      else req.signal?.addEventListener('abort', onAbort, { once: true });
    }));
    const run = { abort: (e: FleetError) => abortRun(e), done: done.catch(() => undefined) };
    this.#running.add(run);
    void run.done.then(() => this.#running.delete(run));
    return done;
  }

  async sftp(opts: { signal?: AbortSignal } = {}): Promise<SftpSession> {
    if (this.#closing !== undefined || this.#keeper.isClosed) throw new FleetError('FLEET_CANCELLED', `${this.host}: the connection is closed`, { host: this.host });
    const sock = await connectExecSocket(this.#paths.socket, this.host, opts.signal);
    const session = await RelayedSftpSession.open(sock, this.host, { token: this.#keeper.token, op: 'sftp', key: this.#key }, opts.signal);
    const run = { abort: () => void session.end(), done: session.closed };
    this.#running.add(run);
    void session.closed.then(() => this.#running.delete(run));
    return session;
  }

  /** A connection of this process's own to the host, opened on first need (SFTP, secret stdin). */
  #directConnection(): Promise<Connection> {
    const { signal: _s, onPhase: _p, ...rest } = this.#options;
    this.#sftpConn ??= this.#direct.connect(this.#spec, rest);
    const pending = this.#sftpConn;
    pending.catch(() => {
      if (this.#sftpConn === pending) this.#sftpConn = undefined;
    });
    return pending;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const cancelled = new FleetError('FLEET_CANCELLED', `${this.host}: the connection was closed while the command ran`, { host: this.host });
    for (const run of this.#running) run.abort(cancelled);
    await Promise.allSettled([...this.#running].map((r) => r.done));
    const sftp = this.#sftpConn;
    await Promise.allSettled([sftp?.then((c) => c.close()), this.#keeper.request({ op: 'release', key: this.#key, persistMs: this.#persistMs })]);
    this.#resolveClosed(undefined);
  }
}
