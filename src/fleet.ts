import { FleetEventStream, type EventIteratorOptions, type FleetEventOf } from './event-stream.js';
import type { EventSink, FleetEvent, FleetEventType } from './events.js';
import { inventoryFromHosts, selectHosts, type HostSpec, type Inventory } from './inventory/index.js';
import { execOperation, type FleetExecOptions } from './operations/exec.js';
import type { FleetGetOptions } from './operations/get.js';
import type { FleetPutOptions } from './operations/put.js';
import type { FleetHostKeysOptions, HostKeyOutput } from './operations/hostkeys.js';
import type { FleetPingOptions, PingOutput } from './operations/ping.js';
import type { OperationContext } from './operations/context.js';
import type { FleetRunOptions } from './operations/run.js';
import type { StepsFile } from './steps/model.js';
import type { StepInput } from './steps/normalize-steps.js';
import type { StepsReport } from './steps/outcome.js';
import type { ExecOutput, RunReport, TransferOutput } from './result.js';
import { FleetError } from './errors.js';
import { connectTargetOf } from './run/connect-target.js';
import { openConnectionPool } from './connections.js';
import type { HostKeyPolicy, KnownHosts, Transport } from './transport/index.js';
import type { ConnectionPool } from './transport/pool.js';

export { DEFAULT_MAX_OUTPUT_BYTES, type FleetExecOptions } from './operations/exec.js';
export type { FleetGetOptions } from './operations/get.js';
export type { FleetPutOptions } from './operations/put.js';

/** Options of {@link openFleet}. */
export interface FleetOptions {
  /** The inventory (from `loadInventory`) or ready host specs. */
  inventory: Inventory | readonly HostSpec[];
  /** Host pattern selecting this fleet's hosts (`-l`); default: all. */
  limit?: string;
  /**
   * Narrows the selection (after `limit`) to these host names: a shard of a sharded run. The
   * whole inventory still answers `when` patterns and `proxy_jump` names.
   */
  onlyHosts?: ReadonlySet<string>;
  /** Most hosts in flight at once (`-f`). Default 50. */
  forks?: number;
  /**
   * Most connections open at once (`--max-connections`), all operations of this fleet together:
   * those with a TCP socket, jump hosts included (a host behind a jump host is a channel of the
   * jump host's connection and takes none). Default: `forks`; a steps run (`run`) raises it to
   * its host count unless it is set here, so each host keeps one connection across the run's
   * barriers.
   */
  maxConnections?: number;
  /** Most SSH handshakes in flight at once. Default 64 (see DEFAULT_MAX_HANDSHAKES). */
  maxHandshakes?: number;
  /** An idle connection (no command of this fleet running on it) is closed after this long. Default 30 s. */
  idleTimeoutMs?: number;
  /** Overrides every host's own setting; default: each host's `strictHostKeys`, else strict. */
  hostKeyPolicy?: HostKeyPolicy;
  /** Bound on TCP + handshake + auth per host. Default 10 s. */
  connectTimeoutMs?: number;
  /** known_hosts files; default: the union of the hosts' own files, then the system files. */
  knownHostsFiles?: readonly string[];
  /** Where env-sourced secrets (password_env, key_env, passphrases) are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The server's MaxSessions (channels per connection). Default 10. */
  maxSessions?: number;
  /**
   * Keepalive for hosts that set none themselves (`HostSpec.serverAliveIntervalMs`/`CountMax`):
   * a request after `intervalMs` of silence, the connection lost after `countMax` unanswered.
   * Default 15 s and 3; interval 0 disables.
   */
  keepalive?: { intervalMs: number; countMax?: number };
  /** Transport to use; default the ssh2 transport. */
  transport?: Transport;
  /** Extra connect attempts after refused/reset/timed-out connects, before authentication only (`--retries`). Default 0. */
  retries?: number;
  /** Most handshakes in flight through one jump host (`--jump-handshakes`). Default 10. */
  jumpHandshakes?: number;
  /** Hosts that `proxy_jump` names may refer to. Default: every host of `inventory`. */
  jumpHosts?: readonly HostSpec[];
  /**
   * Receives the SSH library's protocol debug lines, per host (`-vv`). They carry no secrets
   * from fleet, but do quote what servers send: treat them as untrusted text.
   */
  sshDebug?: (host: string, line: string) => void;
}

/**
 * A set of hosts with their connections: open once, reused by every command until `close()`
 * (paramiko's Transport per host). Use with `await using`.
 */
export class Fleet implements AsyncDisposable {
  /** The selected hosts, in inventory order. */
  readonly hosts: readonly HostSpec[];
  readonly #opts: FleetOptions;
  // The whole inventory, not just the selection: `when` patterns of steps resolve against it.
  readonly #inventory: Inventory;
  readonly #events = new FleetEventStream();
  #pool: Promise<{ pool: ConnectionPool; knownHosts: KnownHosts }> | undefined;
  // Aborted by close(): every operation in flight stops (its hosts end interrupted).
  readonly #closing = new AbortController();
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(opts: FleetOptions) {
    const inventory = Array.isArray(opts.inventory) ? inventoryFromHosts(opts.inventory) : (opts.inventory as Inventory);
    const selected = selectHosts(inventory, opts.limit);
    this.hosts = opts.onlyHosts ? selected.filter((h) => opts.onlyHosts?.has(h.name)) : selected;
    this.#inventory = inventory;
    this.#opts = opts;
  }

  // The other operations load with their first call (dynamic imports below): the CLI's exec, the
  // most run command, then parses none of the transfer, steps or host-key code (start-up budget).

  /** Runs `command` on every host (or those `opts.limit` selects); resolves to the total report. */
  async exec(command: string, opts: FleetExecOptions = {}): Promise<RunReport<ExecOutput>> {
    return this.#track(async () => execOperation(await this.#context(opts.limit), command, { ...opts, ...this.#bounds(opts) }));
  }

  /**
   * Sends local `sources` to `remote` on every host: each file to a temp beside its target,
   * verified (size + sha256), then renamed into place. Rejects before connecting (FLEET_USAGE) for
   * a missing source or a directory without `recursive`; per-host failures are results.
   */
  async put(sources: string | readonly string[], remote: string, opts: FleetPutOptions = {}): Promise<RunReport<TransferOutput>> {
    const list = typeof sources === 'string' ? [sources] : sources;
    const { putOperation } = await import('./operations/put.js');
    return this.#track(async () => putOperation(await this.#context(opts.limit), list, remote, { ...opts, ...this.#bounds(opts) }));
  }

  /** Fetches `remote` from every host into `localDir/<host>/`, verified against each host's sha256. */
  async get(remote: string, localDir: string, opts: FleetGetOptions = {}): Promise<RunReport<TransferOutput>> {
    const { getOperation } = await import('./operations/get.js');
    return this.#track(async () => getOperation(await this.#context(opts.limit), remote, localDir, { ...opts, ...this.#bounds(opts) }));
  }

  /** Connects and authenticates to every host; reports handshake time, host key and one round trip. */
  async ping(opts: FleetPingOptions = {}): Promise<RunReport<PingOutput>> {
    const { pingOperation } = await import('./operations/ping.js');
    return this.#track(async () => pingOperation(await this.#context(opts.limit), { ...opts, ...this.#bounds(opts) }));
  }

  /** Reads every host's key without authenticating to it, and says whether known_hosts knows it. */
  async scanHostKeys(opts: FleetHostKeysOptions = {}): Promise<RunReport<HostKeyOutput>> {
    const { scanHostKeysOperation } = await import('./operations/hostkeys.js');
    return this.#track(async () => scanHostKeysOperation(await this.#context(opts.limit), { ...opts, ...this.#bounds(opts) }));
  }

  /** Writes the `unknown` keys of `scan` to the known_hosts write file; never a changed or revoked one. */
  async acceptHostKeys(scan: RunReport<HostKeyOutput>): Promise<RunReport<HostKeyOutput>> {
    const { acceptHostKeysOperation } = await import('./operations/hostkeys.js');
    return this.#track(async () => acceptHostKeysOperation(await this.#context(undefined), scan));
  }

  /**
   * Runs steps over one set of connections (DESIGN §2 `fleet run`): a steps file path, or steps
   * as data (`[{exec: 'uname -n', register: 'n'}, {exec: 'echo {{ n }}', gate: 'none'}]`).
   * Resolves to one report whose per-host results list every step. Rejects (before connecting)
   * with a StepsError (FLEET_STEPS_INVALID) for invalid steps.
   */
  async run(steps: string | StepsFile | readonly StepInput[] | { steps: readonly StepInput[] }, opts: FleetRunOptions = {}): Promise<StepsReport> {
    const [{ loadStepsFile, stepsFromInput }, { runOperation }] = await Promise.all([import('./steps/load-steps.js'), import('./operations/run.js')]);
    const loaded = typeof steps === 'string' ? await loadStepsFile(steps) : isStepsFile(steps) ? steps : stepsFromInput(steps);
    return this.#track(async () => {
      const ctx = await this.#context(opts.limit);
      const pool = (await this.#getPool()).pool;
      // Each host keeps its connection from its first step to its last: one slot per host.
      const restore = this.#opts.maxConnections === undefined ? pool.raiseLimit(ctx.hosts.length) : () => {};
      try {
        return await runOperation(ctx, this.#inventory, loaded, { ...opts, ...this.#bounds(opts) });
      } finally {
        restore();
      }
    });
  }

  /**
   * Every event of every operation on this fleet, from now until `close()` (or `opts.signal`),
   * as an async iterator with a bounded buffer (see EventIteratorOptions). With `types`, the
   * events are typed as those types (`{types: ['exit']}` yields exit events).
   */
  events<K extends FleetEventType = FleetEventType>(opts: EventIteratorOptions<K> = {}): AsyncIterableIterator<FleetEventOf<K>> {
    return this.#events.iterate(opts);
  }

  /** Calls `listener` for each event of `type` (`'*'`: all) of every operation; returns the unsubscribe function. */
  on<K extends FleetEventType>(type: K, listener: (event: FleetEventOf<K>) => void): () => void;
  on(type: '*', listener: (event: FleetEvent) => void): () => void;
  on(type: FleetEventType | '*', listener: (event: never) => void): () => void {
    return this.#events.on(type as '*', listener as (event: FleetEvent) => void);
  }

  /** Removes a listener added with `on`. */
  off(type: FleetEventType | '*', listener: (event: never) => void): void {
    this.#events.off(type, listener);
  }

  /**
   * Cancels the operations in flight (connects are aborted, running commands killed: their hosts
   * end interrupted), closes every connection, waits for the operations to settle and ends the
   * event iterators. Afterwards the fleet holds no socket and no timer. Idempotent.
   */
  async close(): Promise<void> {
    if (!this.#closing.signal.aborted) this.#closing.abort(new FleetError('FLEET_CANCELLED', 'the fleet was closed'));
    const pool = this.#pool;
    if (pool) await (await pool.catch(() => undefined))?.pool.close();
    await Promise.allSettled([...this.#inFlight]);
    this.#events.close();
  }

  /** Connections open right now, and at most at once so far (all operations of this fleet). */
  async connectionStats(): Promise<{ open: number; peak: number; opened: number; limit: number }> {
    const { pool } = await this.#getPool();
    return { open: pool.openCount, peak: pool.peakOpen, opened: pool.openedCount, limit: pool.limit };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Runs an operation, refused once the fleet is closed, and known to close() until it settles. */
  async #track<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closing.signal.aborted) throw new FleetError('FLEET_CANCELLED', 'the fleet is closed');
    const running = operation();
    this.#inFlight.add(running);
    try {
      return await running;
    } finally {
      this.#inFlight.delete(running);
    }
  }

  /** The caller's signal, also aborted by close(). */
  #signal(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.#closing.signal]) : this.#closing.signal;
  }

  /** What every operation gets from the fleet: its sink and a signal that close() aborts. */
  #bounds(opts: { onEvent?: EventSink | undefined; signal?: AbortSignal | undefined }): { onEvent: EventSink; signal: AbortSignal } {
    return { onEvent: this.#sink(opts.onEvent), signal: this.#signal(opts.signal) };
  }

  /** The per-call sink plus the fleet's stream: what every operation emits to. */
  #sink(onEvent: EventSink | undefined): EventSink {
    const stream = this.#events;
    return onEvent
      ? (event) => {
          stream.emit(event);
          onEvent(event);
        }
      : (event) => stream.emit(event);
  }

  /** What an operation needs: the hosts it runs on (narrowed by `limit`), connections, limits. */
  async #context(limit: string | undefined): Promise<OperationContext> {
    const hosts = limit === undefined ? this.hosts : selectHosts(inventoryFromHosts(this.hosts), limit);
    const { pool, knownHosts } = await this.#getPool();
    return { hosts, connections: pool, knownHosts, forks: this.#opts.forks ?? 50 };
  }

  #getPool(): Promise<{ pool: ConnectionPool; knownHosts: KnownHosts }> {
    this.#pool ??= this.#createPool();
    return this.#pool;
  }

  #createPool(): Promise<{ pool: ConnectionPool; knownHosts: KnownHosts }> {
    const o = this.#opts;
    return openConnectionPool({
      transport: o.transport,
      knownHostsFiles: o.knownHostsFiles ?? unique(this.hosts.flatMap((h) => h.knownHostsFiles)),
      env: o.env,
      hostKeyPolicy: o.hostKeyPolicy,
      connectTimeoutMs: o.connectTimeoutMs,
      maxSessions: o.maxSessions,
      keepalive: o.keepalive,
      retries: o.retries,
      jumpHosts: (o.jumpHosts ?? this.#inventory.hosts).map(connectTargetOf),
      jumpHandshakes: o.jumpHandshakes,
      sshDebug: o.sshDebug,
      maxConnections: o.maxConnections ?? o.forks ?? 50,
      maxHandshakes: o.maxHandshakes,
      idleTimeoutMs: o.idleTimeoutMs,
    });
  }
}

/** Opens a fleet over the selected hosts. Connections open on first use. */
export function openFleet(opts: FleetOptions): Fleet {
  return new Fleet(opts);
}

function isStepsFile(value: unknown): value is StepsFile {
  return typeof value === 'object' && value !== null && 'baseDir' in value && 'file' in value && 'steps' in value;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
