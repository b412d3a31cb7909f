/**
 * The keeper: a per-user background process that holds authenticated SSH connections between
 * fleet commands (OpenSSH's ControlMaster + ControlPersist, for fleet). It connects and
 * authenticates by itself, from key file paths and the agent socket path a client names; no
 * secret ever crosses its socket. Clients (keeper-transport.ts) acquire a connection by its
 * identity key, run each command over an exec connection of their own, and release it; a
 * connection idle for its `persist` duration is closed, and the keeper exits when it holds none.
 */
import type { ConnectTarget } from '../transport.js';
import { unlinkSync } from 'node:fs';
import net from 'node:net';
import { FleetError, toFleetError } from '../../errors.js';
import { streamsOutputFlow } from '../../output-flow.js';
import { createCredentialCache } from '../ssh/credentials.js';
import { createJumpHosts } from '../ssh/jump-hosts.js';
import { withFileLock } from '../ssh/file-lock.js';
import { loadKnownHosts } from '../ssh/known-hosts-store.js';
import { createSshTransport } from '../ssh/ssh-transport.js';
import { type Connection, type ConnectOptions, type CredentialCache, type ExecRequest, type JumpHosts, isNotStarted, type KnownHosts, type RemoteHandle, type SftpSession, type Transport } from '../transport.js';
import { ensurePrivateDir, type KeeperPaths, tokenMatches, writeToken } from './paths.js';
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
  type Hello,
  HelloReader,
  type KeeperHostStatus,
  type KeeperStatus,
  LineReader,
  type PersistTarget,
  toWireError,
} from './protocol.js';

/** How long a kept connection may take to answer the liveness check before it is replaced. */
const LIVENESS_TIMEOUT_MS = 3000;
/** A connection this young that ran nothing yet is used without a liveness check. */
const FRESH_MS = 5000;
/** How long the keeper waits, holding nothing, before it exits (a command may be about to start). */
const EMPTY_GRACE_MS = 1000;

interface Entry {
  key: string;
  target: PersistTarget;
  conn: Promise<Connection>;
  settled: Connection | undefined;
  dead: boolean;
  holders: number;
  running: number;
  lastUsed: number;
  persistMs: number;
  timer: NodeJS.Timeout | undefined;
  connectedAt: number;
  hostKeyBlob: string;
  /** Connected and not yet used: no liveness check needed for its first command. */
  fresh: boolean;
}

export interface KeeperOptions {
  paths: KeeperPaths;
  /** Diagnostics (no secrets). */
  log?: (line: string) => void;
  transport?: Transport;
}

export class Keeper {
  readonly #paths: KeeperPaths;
  readonly #log: (line: string) => void;
  readonly #transport: Transport;
  readonly #entries = new Map<string, Entry>();
  readonly #knownHosts = new Map<string, Promise<KnownHosts>>();
  readonly #credentials = new Map<string, CredentialCache>();
  /** Jump hosts by chain, shared by every kept host behind the same chain, closed with the last. */
  readonly #jumps = new Map<string, { hosts: JumpHosts; users: number }>();
  readonly #startedAt = Date.now();
  #server: net.Server | undefined;
  #token = '';
  #stopping = false;
  #emptyTimer: NodeJS.Timeout | undefined;
  #done!: () => void;
  /** Settles when the keeper has stopped (idle, `stop`, or a signal). */
  readonly finished: Promise<void> = new Promise((resolve) => {
    this.#done = resolve;
  });

  constructor(opts: KeeperOptions) {
    this.#paths = opts.paths;
    this.#log = opts.log ?? (() => undefined);
    this.#transport = opts.transport ?? createSshTransport();
  }

  /**
   * Listens on the socket. Rejects with EADDRINUSE when a live keeper already answers there (a
   * stale socket left by a killed keeper is replaced).
   */
  async listen(): Promise<void> {
    ensurePrivateDir(this.#paths.dir);
    // Two fleet commands may start a keeper at the same moment: one listens, the other finds it.
    await withFileLock(this.#paths.socket, async () => {
      if (await answers(this.#paths.socket)) throw Object.assign(new Error('a keeper already runs'), { code: 'EADDRINUSE' });
      try {
        unlinkSync(this.#paths.socket); // a stale socket left by a killed keeper
      } catch {
        // none there
      }
      this.#token = writeToken(this.#paths.token);
      const server = net.createServer((sock) => this.#accept(sock));
      // The socket is created 0600 (umask for the bind only): no window in which others could connect.
      const umask = process.umask(0o177);
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          // A deep queue: a thousand commands may connect at once (the kernel caps it at somaxconn).
          server.listen({ path: this.#paths.socket, backlog: 4096 }, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } finally {
        process.umask(umask);
      }
      this.#server = server;
    });
    this.#armEmptyTimer();
  }

  /**
   * Stops taking new commands; closes idle connections now and busy ones when their commands end.
   * `leaveFiles`: the socket and token paths are no longer this keeper's (removed, or another's).
   */
  stop(reason: string, { leaveFiles = false }: { leaveFiles?: boolean } = {}): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log(`stopping: ${reason}`);
    this.#server?.close();
    for (const file of leaveFiles ? [] : [this.#paths.socket, this.#paths.token]) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
    for (const entry of this.#entries.values()) if (entry.running === 0) this.#drop(entry);
    this.#maybeFinish();
  }

  status(): KeeperStatus {
    const now = Date.now();
    const hosts: KeeperHostStatus[] = [...this.#entries.values()]
      .filter((e) => e.settled !== undefined && !e.dead)
      .map((e) => ({
        host: e.target.name,
        address: e.target.address,
        port: e.target.port,
        user: e.target.user,
        active: e.running,
        idleMs: e.holders > 0 || e.running > 0 ? 0 : now - e.lastUsed,
        persistMs: e.persistMs,
        connectedAt: new Date(e.connectedAt).toISOString(),
      }));
    return { pid: process.pid, startedAt: new Date(this.#startedAt).toISOString(), rssBytes: process.memoryUsage.rss(), hosts };
  }

  #accept(sock: net.Socket): void {
    sock.on('error', () => undefined);
    const reader = new HelloReader();
    const onData = (chunk: Buffer): void => {
      let first: { hello: unknown; rest: Buffer } | undefined;
      try {
        first = reader.push(chunk);
      } catch {
        sock.destroy();
        return;
      }
      if (first === undefined) return;
      sock.off('data', onData);
      const hello = first.hello as Hello;
      const rest = first.rest;
      // The token proves the peer can read this user's private directory (docs/security.md).
      if (typeof hello !== 'object' || hello === null || !tokenMatches(hello.token, this.#token)) {
        this.#log('refused a connection without the token');
        sock.destroy();
        return;
      }
      if (hello.op === 'control') this.#control(sock, new LineReader(), rest);
      else if (hello.op === 'exec') this.#exec(sock, hello, rest);
      else if (hello.op === 'sftp') this.#sftp(sock, hello, rest);
      else sock.destroy();
    };
    sock.on('data', onData);
  }

  #control(sock: net.Socket, lines: LineReader, rest: Buffer): void {
    // What this client holds, released if it goes away without saying so (killed, say).
    const held = new Map<string, number>();
    const reply = (r: ControlReply): void => {
      if (!sock.destroyed) sock.write(`${JSON.stringify(r)}\n`);
    };
    const handle = (req: ControlRequest): void => {
      this.#request(req, held, sock).then(
        (result) => reply({ id: req.id, ok: true, result }),
        (error: unknown) => reply({ id: req.id, ok: false, error: toWireError(toFleetError(error)) }),
      );
    };
    const onData = (chunk: Buffer): void => {
      try {
        for (const req of lines.push(chunk)) handle(req as ControlRequest);
      } catch {
        sock.destroy();
      }
    };
    sock.on('data', onData);
    sock.on('close', () => {
      for (const [key, count] of held) {
        const entry = this.#entries.get(key);
        if (entry !== undefined) for (let i = 0; i < count; i += 1) this.#release(entry, entry.persistMs);
      }
      held.clear();
    });
    if (rest.length > 0) onData(rest);
  }

  async #request(req: ControlRequest, held: Map<string, number>, sock: net.Socket): Promise<unknown> {
    switch (req.op) {
      case 'acquire': {
        if (this.#stopping) throw new FleetError('FLEET_CANCELLED', 'fleet keeper: stopping');
        const result = await this.#acquire(req.key, req.target);
        // Its client went away while it waited (a second Ctrl-C, say): nothing would release it.
        const entry = sock.destroyed ? this.#entries.get(req.key) : undefined;
        if (entry !== undefined) this.#release(entry, entry.persistMs);
        else held.set(req.key, (held.get(req.key) ?? 0) + 1);
        return result;
      }
      case 'release': {
        const count = held.get(req.key) ?? 0;
        if (count === 0) return undefined;
        if (count === 1) held.delete(req.key);
        else held.set(req.key, count - 1);
        const entry = this.#entries.get(req.key);
        if (entry !== undefined) this.#release(entry, req.persistMs);
        return undefined;
      }
      case 'ping': {
        const entry = this.#entries.get(req.key);
        const conn = entry?.settled;
        if (conn === undefined || entry?.dead) throw lostError(req.key, entry?.target);
        return conn.roundTrip();
      }
      case 'status':
        return this.status();
      case 'stop':
        // Answer first: the reply must leave before the socket closes.
        setImmediate(() => this.stop('fleet persist stop'));
        return undefined;
    }
  }

  async #acquire(key: string, target: PersistTarget): Promise<AcquireResult> {
    this.#cancelEmptyTimer();
    const existing = this.#entries.get(key);
    if (existing !== undefined && !existing.dead) {
      existing.holders += 1;
      this.#hold(existing);
      try {
        const conn = await existing.conn;
        // Whether it still answers is checked as each command or SFTP session starts on it
        // (#exec, #sftp), before anything is sent, never after; a dead one is replaced then.
        if (!existing.dead) {
          existing.persistMs = Math.max(existing.persistMs, target.persistMs);
          return { reused: true, hostKey: { ...conn.hostKey, blob: existing.hostKeyBlob }, timing: { ...conn.timing } };
        }
      } catch {
        // its connect failed: a fresh one below
      }
      existing.holders -= 1;
      this.#drop(existing);
    }
    const entry = this.#connect(key, target);
    entry.holders += 1;
    try {
      const conn = await entry.conn;
      return { reused: false, hostKey: { ...conn.hostKey, blob: entry.hostKeyBlob }, timing: { ...conn.timing } };
    } catch (error) {
      entry.holders -= 1;
      this.#drop(entry);
      throw error;
    }
  }

  #connect(key: string, target: PersistTarget): Entry {
    const spec: ConnectTarget = {
      name: target.name,
      address: target.address,
      port: target.port,
      user: target.user,
      identityFiles: target.identityFiles,
      ...(target.agentSocket !== undefined && { agent: true }),
    };
    const route = this.#jumpsFor(target);
    if (route !== undefined) spec.proxyJump = route.proxyJump;
    const entry: Entry = {
      key,
      target,
      conn: Promise.resolve(undefined as unknown as Connection),
      settled: undefined,
      dead: false,
      holders: 0,
      running: 0,
      lastUsed: Date.now(),
      persistMs: target.persistMs,
      timer: undefined,
      connectedAt: Date.now(),
      hostKeyBlob: '',
      fresh: true,
    };
    entry.conn = (async () => {
      const knownHosts = await this.#knownHostsFor(target);
      let blob = '';
      const options: ConnectOptions = {
        connectTimeoutMs: target.connectTimeoutMs,
        hostKeyPolicy: target.hostKeyPolicy,
        knownHosts: recordingKey(knownHosts, (b) => (blob = b)),
        credentials: this.#credentialsFor(target),
        kexProfile: target.kexProfile,
        ...(target.maxSessions !== undefined && { maxSessions: target.maxSessions }),
        ...(route !== undefined && { jumps: route.jumps }),
      };
      let conn: Connection;
      try {
        // Held as the pool holds them: a jump host that died since is connected again first.
        const unhold = route === undefined ? undefined : await route.jumps.hold(spec, { ...options, knownHosts });
        conn = await this.#transport.connect(spec, options).catch((error: unknown) => {
          unhold?.();
          throw error;
        });
        if (unhold !== undefined) void conn.closed.then(unhold);
      } catch (error) {
        route?.done();
        throw error;
      }
      if (route !== undefined) void conn.closed.then(route.done);
      entry.hostKeyBlob = blob;
      entry.settled = conn;
      entry.connectedAt = Date.now();
      this.#log(`connected ${target.name} (${target.user}@${target.address}:${target.port})`);
      void conn.closed.then((error) => {
        entry.dead = true;
        if (error !== undefined) this.#log(`lost ${target.name}: ${error.code}`);
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
        this.#maybeFinish();
      });
      return conn;
    })();
    entry.conn.catch(() => undefined);
    this.#entries.set(key, entry);
    return entry;
  }

  /**
   * A live connection in place of `dead`'s, counted as running for the caller (who ends it with
   * #endUse): the one another command already opened in its place, else a new connect.
   */
  async #replace(dead: Entry): Promise<{ entry: Entry; conn: Connection }> {
    this.#log(`dead ${dead.target.name}: replaced before the command started`);
    this.#drop(dead);
    const current = this.#entries.get(dead.key);
    const entry = current !== undefined && !current.dead ? current : this.#connect(dead.key, dead.target);
    entry.running += 1;
    this.#hold(entry);
    try {
      const conn = await entry.conn;
      entry.fresh = false;
      return { entry, conn };
    } catch (error) {
      this.#endUse(entry);
      if (entry.settled === undefined) this.#drop(entry);
      throw error;
    }
  }

  /**
   * The jump hosts of `target`'s chain, as the client resolved it, under names the chain can
   * spell (ProxyJump elements are `[user@]host[:port]`); `done` when its connection ends.
   */
  #jumpsFor(target: PersistTarget): { jumps: JumpHosts; proxyJump: string; done: () => void } | undefined {
    const hops = target.jumps ?? [];
    if (hops.length === 0) return undefined;
    const specs: ConnectTarget[] = hops.map((h, i) => ({
      name: /^[A-Za-z0-9._-]+$/.test(h.name) && !hops.slice(0, i).some((o) => o.name === h.name) ? h.name : `jump-hop-${i + 1}`,
      address: h.address,
      port: h.port,
      user: h.user,
      identityFiles: h.identityFiles,
      ...(h.agentSocket !== undefined && { agent: true }),
      ...(h.connectTimeoutMs !== undefined && { connectTimeoutMs: h.connectTimeoutMs }),
    }));
    const id = JSON.stringify(specs.map((h) => [h.name, h.user, h.address, h.port, h.identityFiles, h.agent ?? false, h.connectTimeoutMs ?? null, target.knownHostsFiles, target.hostKeyPolicy]));
    let shared = this.#jumps.get(id);
    if (shared === undefined) {
      shared = { hosts: createJumpHosts({ hosts: specs }), users: 0 };
      this.#jumps.set(id, shared);
    }
    const mine = shared;
    mine.users += 1;
    let done = false;
    return {
      jumps: mine.hosts,
      proxyJump: specs.map((h) => h.name).join(','),
      done: () => {
        if (done) return;
        done = true;
        mine.users -= 1;
        if (mine.users > 0) return;
        if (this.#jumps.get(id) === mine) this.#jumps.delete(id);
        void mine.hosts.close();
      },
    };
  }

  #knownHostsFor(target: PersistTarget): Promise<KnownHosts> {
    const id = JSON.stringify([target.knownHostsFiles, target.hostKeyPolicy]);
    let pending = this.#knownHosts.get(id);
    if (pending === undefined) {
      pending = loadKnownHosts({ files: target.knownHostsFiles });
      this.#knownHosts.set(id, pending);
      pending.catch(() => this.#knownHosts.delete(id));
    }
    return pending;
  }

  /**
   * The key cache for `target`'s agent socket and keys. Keyed by the keys' fingerprints as the
   * client read them too: a key file replaced on disk gets a cache of its own, so it is parsed
   * afresh rather than signed with the key this keeper parsed before.
   */
  #credentialsFor(target: PersistTarget): CredentialCache {
    const agentSocket = target.agentSocket;
    const id = JSON.stringify([agentSocket ?? '', target.fingerprints ?? [], (target.jumps ?? []).map((h) => h.fingerprints)]);
    let creds = this.#credentials.get(id);
    if (creds === undefined) {
      // The keeper's own environment holds no secrets; the agent socket is a path.
      creds = createCredentialCache({ env: agentSocket === undefined ? {} : { SSH_AUTH_SOCK: agentSocket } });
      this.#credentials.set(id, creds);
    }
    return creds;
  }

  #hold(entry: Entry): void {
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = undefined;
  }

  #release(entry: Entry, persistMs: number): void {
    entry.holders = Math.max(0, entry.holders - 1);
    entry.lastUsed = Date.now();
    entry.persistMs = Math.max(1, persistMs);
    this.#armIdle(entry);
  }

  /** A command or SFTP session on `entry` ended: restart its idle clock; a stopping keeper drops it when it is the last. */
  #endUse(entry: Entry): void {
    entry.running -= 1;
    entry.lastUsed = Date.now();
    this.#armIdle(entry);
    if (this.#stopping && entry.running === 0) this.#drop(entry);
    this.#maybeFinish();
  }

  #armIdle(entry: Entry): void {
    if (entry.holders > 0 || entry.running > 0 || entry.dead) return;
    if (this.#stopping) {
      this.#drop(entry);
      this.#maybeFinish();
      return;
    }
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (entry.holders > 0 || entry.running > 0) return;
      this.#log(`idle ${entry.target.name}: closing after ${entry.persistMs} ms`);
      this.#drop(entry);
      this.#maybeFinish();
    }, entry.persistMs);
  }

  #drop(entry: Entry): void {
    entry.dead = true;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    void entry.conn.then((c) => c.close(), () => undefined);
  }

  #maybeFinish(): void {
    const busy = [...this.#entries.values()].some((e) => e.running > 0 || e.holders > 0);
    if (this.#stopping) {
      if (!busy) void this.#finish();
      return;
    }
    if (this.#entries.size === 0) this.#armEmptyTimer();
  }

  #armEmptyTimer(): void {
    this.#cancelEmptyTimer();
    this.#emptyTimer = setTimeout(() => {
      if (this.#entries.size === 0) this.stop('holding no connection');
    }, EMPTY_GRACE_MS);
  }

  #cancelEmptyTimer(): void {
    if (this.#emptyTimer !== undefined) clearTimeout(this.#emptyTimer);
    this.#emptyTimer = undefined;
  }

  async #finish(): Promise<void> {
    this.#cancelEmptyTimer();
    const all = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.allSettled(all.map((e) => e.conn.then((c) => c.close())));
    this.#done();
  }

  /** An SFTP session on a kept connection, its calls relayed over this socket until it closes. */
  #sftp(sock: net.Socket, hello: Extract<Hello, { op: 'sftp' }>, rest: Buffer): void {
    const entry = this.#entries.get(hello.key);
    const conn = entry?.settled;
    const send = (type: number, payload?: Buffer | string): void => {
      if (!sock.destroyed) sock.write(encodeFrame(type, payload));
    };
    if (entry === undefined || conn === undefined || entry.dead) {
      send(Frame.Error, JSON.stringify(toWireError(lostError(hello.key, entry?.target))));
      sock.end();
      return;
    }
    entry.running += 1;
    this.#hold(entry);
    const frames = new FrameReader();
    const pending: Buffer[] = [rest];
    let session: SftpSession | undefined;
    const done = (): void => this.#endUse(entry);
    const handle = (chunk: Buffer): void => {
      for (const f of framesIn(frames, chunk, sock)) {
        if (f.type !== Frame.Call || session === undefined) continue;
        const { header, data } = decodeCall(f.payload);
        const { id, m, a } = header as { id: number; m: string; a: unknown[] };
        sftpCall(session, m, a, Buffer.from(data)).then(
          (r) => send(Frame.Reply, encodeCall({ id, ok: true, r: r.result }, r.data)),
          (error: unknown) => send(Frame.Reply, encodeCall({ id, ok: false, e: toWireError(toFleetError(error, entry.target.name)) })),
        );
      }
    };
    sock.on('data', (chunk: Buffer) => (session === undefined ? pending.push(chunk) : handle(chunk)));
    const ended = new Promise<void>((resolve) => sock.on('close', resolve));
    // An SFTP session is opened after an explicit check (a transfer's one round trip is noise).
    const fresh = isFresh(entry);
    entry.fresh = false;
    const live = async (): Promise<Connection> => {
      if (fresh || (await alive(conn))) return conn;
      const next = await this.#replace(entry);
      void ended.then(() => this.#endUse(next.entry));
      return next.conn;
    };
    live().then((c) => c.sftp()).then(
      (s) => {
        session = s;
        send(Frame.SftpReady, JSON.stringify({ maxWriteBytes: s.maxWriteBytes, maxReadBytes: s.maxReadBytes, hasPosixRename: s.hasPosixRename }));
        for (const chunk of pending.splice(0)) handle(chunk);
        void ended.then(() => s.end()).finally(done);
      },
      (error: unknown) => {
        send(Frame.Error, JSON.stringify(toWireError(toFleetError(error, entry.target.name))));
        sock.end();
        done();
      },
    );
  }

  #exec(sock: net.Socket, hello: Extract<Hello, { op: 'exec' }>, rest: Buffer): void {
    const entry = this.#entries.get(hello.key);
    const send = (type: number, payload?: Buffer | string): void => {
      if (!sock.destroyed) sock.write(encodeFrame(type, payload));
    };
    const fail = (error: FleetError): void => {
      send(Frame.Error, JSON.stringify(toWireError(error)));
      sock.end();
    };
    const conn = entry?.settled;
    if (entry === undefined || conn === undefined || entry.dead) {
      fail(lostError(hello.key, entry?.target));
      return;
    }
    entry.running += 1;
    this.#hold(entry);
    const controller = new AbortController();
    const stdin: Buffer[] = [];
    let stdinEnded = false;
    let started = false;
    const frames = new FrameReader();
    // The client's socket is the output's consumer: while it is backed up, the channel is not read.
    const flow = streamsOutputFlow([sock], 256 * 1024);
    const start = (): void => {
      if (started) return;
      started = true;
      const request: ExecRequest = {
        command: hello.command,
        ...(hello.env !== undefined && { env: hello.env }),
        ...(hello.pty === true && { pty: true }),
        ...(stdin.length > 0 && { stdin: Buffer.concat(stdin) }),
        signal: controller.signal,
        flow,
        onStdout: (chunk) => send(Frame.Stdout, chunk),
        onStderr: (chunk) => send(Frame.Stderr, chunk),
      };
      // A kept connection is checked in the same flight as the channel open (no extra round
      // trip); one that does not answer is replaced, and the command, never sent, runs there.
      const check = !isFresh(entry);
      entry.fresh = false;
      conn
        .exec(check ? { ...request, aliveWithinMs: LIVENESS_TIMEOUT_MS } : request)
        .catch(async (error: unknown) => {
          if (!isNotStarted(error) || controller.signal.aborted) throw error;
          const next = await this.#replace(entry);
          try {
            return await next.conn.exec(request);
          } finally {
            this.#endUse(next.entry);
          }
        })
        .then(
          (exit) => {
            send(Frame.Exit, JSON.stringify(exit));
            sock.end();
          },
          (error: unknown) => fail(toFleetError(error, entry.target.name)),
        )
        .finally(() => this.#endUse(entry));
    };
    const onData = (chunk: Buffer): void => {
      for (const f of framesIn(frames, chunk, sock)) {
        if (f.type === Frame.Stdin && !stdinEnded) stdin.push(Buffer.from(f.payload));
        else if (f.type === Frame.StdinEnd) {
          stdinEnded = true;
          start();
        } else if (f.type === Frame.Abort) {
          controller.abort(fromWireError(JSON.parse(f.payload.toString()) as ReturnType<typeof toWireError>));
        }
      }
    };
    sock.on('data', onData);
    // A client that goes away (killed, say) takes its command with it: the process group is killed.
    sock.on('close', () => {
      if (!controller.signal.aborted) controller.abort(new FleetError('FLEET_CANCELLED', `${entry.target.name}: the fleet client went away while the command ran`, { host: entry.target.name }));
    });
    if (rest.length > 0) onData(rest);
  }
}

/** One SFTP call relayed to the session (handles cross as base64; a write's data and a read's result as raw bytes). */
async function sftpCall(session: SftpSession, method: string, args: unknown[], data: Buffer): Promise<{ result?: unknown; data?: Buffer }> {
  const handle = (v: unknown): RemoteHandle => Buffer.from(String(v), 'base64') as RemoteHandle;
  const a = args as [never, never, never];
  switch (method) {
    case 'open':
      return { result: (await session.open(a[0], a[1], a[2])).toString('base64') };
    case 'write':
      await session.write(handle(a[0]), data, a[1]);
      return {};
    case 'read': {
      const buffer = Buffer.alloc(Math.min(Number(a[1]), session.maxReadBytes * 4));
      const n = await session.read(handle(a[0]), buffer, 0, buffer.length, a[2]);
      return { result: n, data: buffer.subarray(0, n) };
    }
    case 'fstat':
      return { result: await session.fstat(handle(a[0])) };
    case 'fchmod':
      await session.fchmod(handle(a[0]), a[1]);
      return {};
    case 'close':
      await session.close(handle(a[0]));
      return {};
    case 'stat':
    case 'lstat':
    case 'mkdir':
    case 'rename':
    case 'posixRename':
    case 'unlink':
    case 'rmdir':
    case 'readdir':
    case 'readlink':
    case 'symlink':
    case 'chmod':
    case 'realpath':
    case 'freeBytes': {
      const fn = session[method] as (...x: unknown[]) => Promise<unknown>;
      return { result: await fn.apply(session, a) };
    }
    default:
      throw new FleetError('FLEET_INTERNAL', `fleet keeper: unknown SFTP call ${method}`);
  }
}

/** Connected moments ago and not used yet: its first command needs no liveness check. */
function isFresh(entry: Entry): boolean {
  return entry.fresh && Date.now() - entry.connectedAt < FRESH_MS;
}

/** The frames `chunk` completes; none after a malformed one, which ends the peer's socket. */
function framesIn(frames: FrameReader, chunk: Buffer, sock: net.Socket): Array<{ type: number; payload: Buffer }> {
  try {
    return frames.push(chunk);
  } catch {
    sock.destroy();
    return [];
  }
}

/** A kept connection answers a keepalive within the bound (undefined: the library cannot tell; trusted). */
async function alive(conn: Connection): Promise<boolean> {
  const signal = AbortSignal.timeout(LIVENESS_TIMEOUT_MS);
  try {
    await conn.roundTrip({ signal });
    return true;
  } catch {
    return false;
  }
}

/** True when something answers a connect on the socket path. */
function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Wraps known_hosts so that the key the server proved is recorded (sent to clients, who check it against theirs). */
function recordingKey(knownHosts: KnownHosts, record: (blobBase64: string) => void): KnownHosts {
  return {
    files: knownHosts.files,
    writeFile: knownHosts.writeFile,
    invalidLines: knownHosts.invalidLines,
    lookup: (host, port, key) => {
      record(key.blob.toString('base64'));
      return knownHosts.lookup(host, port, key);
    },
    keyTypesFor: (host, port) => knownHosts.keyTypesFor(host, port),
    add: (host, port, key) => knownHosts.add(host, port, key),
  };
}

function lostError(key: string, target: PersistTarget | undefined): FleetError {
  const host = target?.name ?? key.slice(0, 12);
  return new FleetError('FLEET_CONNECTION_LOST', `${host}: the kept connection is gone`, { host });
}
