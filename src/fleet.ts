import { FleetEventStream, type EventIteratorOptions, type FleetEventOf } from './event-stream.js';
import type { EventSink, FleetEvent, FleetEventType } from './events.js';
import { inventoryFromHosts, selectHosts, type HostSpec, type Inventory } from './inventory/index.js';
import { execOperation, type FleetExecOptions } from './operations/exec.js';
import { getOperation, type FleetGetOptions } from './operations/get.js';
import { putOperation, type FleetPutOptions } from './operations/put.js';
import { acceptHostKeysOperation, scanHostKeysOperation, type FleetHostKeysOptions, type HostKeyOutput } from './operations/hostkeys.js';
import { pingOperation, type FleetPingOptions, type PingOutput } from './operations/ping.js';
import type { OperationContext } from './operations/context.js';
import { runOperation, type FleetRunOptions } from './operations/run.js';
import { loadStepsFile, stepsFromInput } from './steps/load-steps.js';
import type { StepsFile } from './steps/model.js';
import type { StepInput } from './steps/normalize-steps.js';
import type { StepsReport } from './steps/outcome.js';
import type { ExecOutput, RunReport, TransferOutput } from './result.js';
import { Connections } from './run/connections.js';
import {
  createCredentialCache,
  createJumpHosts,
  createSshTransport,
  loadKnownHosts,
  type HostKeyPolicy,
  type KnownHosts,
  type Transport,
} from './transport/index.js';

export { DEFAULT_MAX_OUTPUT_BYTES, type FleetExecOptions } from './operations/exec.js';
export type { FleetGetOptions } from './operations/get.js';
export type { FleetPutOptions } from './operations/put.js';

/** Options of {@link openFleet}. */
export interface FleetOptions {
  /** The inventory (from `loadInventory`) or ready host specs. */
  inventory: Inventory | readonly HostSpec[];
  /** Host pattern selecting this fleet's hosts (`-l`); default: all. */
  limit?: string;
  /** Most hosts in flight at once (`-f`). Default 50. */
  forks?: number;
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
  #connections: Promise<Connections> | undefined;

  constructor(opts: FleetOptions) {
    const inventory = Array.isArray(opts.inventory) ? inventoryFromHosts(opts.inventory) : (opts.inventory as Inventory);
    this.hosts = selectHosts(inventory, opts.limit);
    this.#inventory = inventory;
    this.#opts = opts;
  }

  /** Runs `command` on every host (or those `opts.limit` selects); resolves to the total report. */
  async exec(command: string, opts: FleetExecOptions = {}): Promise<RunReport<ExecOutput>> {
    return execOperation(await this.#context(opts.limit), command, { ...opts, onEvent: this.#sink(opts.onEvent) });
  }

  /**
   * Sends local `sources` to `remote` on every host: each file to a temp beside its target,
   * verified (size + sha256), then renamed into place. Rejects before connecting (FLEET_USAGE) for
   * a missing source or a directory without `recursive`; per-host failures are results.
   */
  async put(sources: string | readonly string[], remote: string, opts: FleetPutOptions = {}): Promise<RunReport<TransferOutput>> {
    const list = typeof sources === 'string' ? [sources] : sources;
    return putOperation(await this.#context(opts.limit), list, remote, { ...opts, onEvent: this.#sink(opts.onEvent) });
  }

  /** Fetches `remote` from every host into `localDir/<host>/`, verified against each host's sha256. */
  async get(remote: string, localDir: string, opts: FleetGetOptions = {}): Promise<RunReport<TransferOutput>> {
    return getOperation(await this.#context(opts.limit), remote, localDir, { ...opts, onEvent: this.#sink(opts.onEvent) });
  }

  /** Connects and authenticates to every host; reports handshake time, host key and one round trip. */
  async ping(opts: FleetPingOptions = {}): Promise<RunReport<PingOutput>> {
    return pingOperation(await this.#context(opts.limit), { ...opts, onEvent: this.#sink(opts.onEvent) });
  }

  /** Reads every host's key without authenticating to it, and says whether known_hosts knows it. */
  async scanHostKeys(opts: FleetHostKeysOptions = {}): Promise<RunReport<HostKeyOutput>> {
    return scanHostKeysOperation(await this.#context(opts.limit), opts);
  }

  /** Writes the `unknown` keys of `scan` to the known_hosts write file; never a changed or revoked one. */
  async acceptHostKeys(scan: RunReport<HostKeyOutput>): Promise<RunReport<HostKeyOutput>> {
    return acceptHostKeysOperation(await this.#context(undefined), scan);
  }

  /**
   * Runs steps over one set of connections (DESIGN §2 `fleet run`): a steps file path, or steps
   * as data (`[{exec: 'uname -n', register: 'n'}, {exec: 'echo {{ n }}', gate: 'none'}]`).
   * Resolves to one report whose per-host results list every step. Rejects (before connecting)
   * with a StepsError (FLEET_STEPS_INVALID) for invalid steps.
   */
  async run(steps: string | StepsFile | readonly StepInput[] | { steps: readonly StepInput[] }, opts: FleetRunOptions = {}): Promise<StepsReport> {
    const loaded = typeof steps === 'string' ? await loadStepsFile(steps) : isStepsFile(steps) ? steps : stepsFromInput(steps);
    return runOperation(await this.#context(opts.limit), this.#inventory, loaded, { ...opts, onEvent: this.#sink(opts.onEvent) });
  }

  /**
   * Every event of every operation on this fleet, from now until `close()` (or `opts.signal`),
   * as an async iterator with a bounded buffer (see EventIteratorOptions).
   */
  events(opts: EventIteratorOptions = {}): AsyncIterableIterator<FleetEvent> {
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

  /** Closes every connection and ends the event iterators. Idempotent. */
  async close(): Promise<void> {
    this.#events.close();
    const connections = this.#connections;
    this.#connections = undefined;
    if (connections) await (await connections).closeAll();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
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
    return { hosts, connections: await this.#getConnections(), forks: this.#opts.forks ?? 50 };
  }

  #getConnections(): Promise<Connections> {
    this.#connections ??= this.#createConnections();
    return this.#connections;
  }

  async #createConnections(): Promise<Connections> {
    const knownHosts: KnownHosts = await loadKnownHosts({
      files: this.#opts.knownHostsFiles ?? unique(this.hosts.flatMap((h) => h.knownHostsFiles)),
    });
    return new Connections(this.#opts.transport ?? createSshTransport(), {
      connectTimeoutMs: this.#opts.connectTimeoutMs ?? 10_000,
      hostKeyPolicy: this.#opts.hostKeyPolicy,
      knownHosts,
      credentials: createCredentialCache(this.#opts.env ? { env: this.#opts.env } : {}),
      ...(this.#opts.maxSessions !== undefined && { maxSessions: this.#opts.maxSessions }),
      ...(this.#opts.keepalive !== undefined && { keepaliveIntervalMs: this.#opts.keepalive.intervalMs }),
      ...(this.#opts.keepalive?.countMax !== undefined && { keepaliveCountMax: this.#opts.keepalive.countMax }),
      retries: this.#opts.retries ?? 0,
      ...(this.#opts.sshDebug !== undefined && { sshDebug: this.#opts.sshDebug }),
      jumps: createJumpHosts({ hosts: this.#opts.jumpHosts ?? this.#inventory.hosts, maxHandshakes: this.#opts.jumpHandshakes }),
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
