import type { EventSink } from './events.js';
import { inventoryFromHosts, selectHosts, type HostSpec, type Inventory } from './inventory/index.js';
import type { ExecOutput, HostResult, RunReport } from './result.js';
import { statusOfExec } from './result.js';
import { Connections } from './run/connections.js';
import type { HostOutcome } from './run/host-run.js';
import { runHosts } from './run/run-hosts.js';
import { execTask } from './tasks/exec.js';
import {
  createCredentialCache,
  createSshTransport,
  loadKnownHosts,
  type HostKeyPolicy,
  type KnownHosts,
  type Transport,
} from './transport/index.js';

/** Default cap on captured output per host and stream: 1 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

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
  /** Transport to use; default the ssh2 transport. */
  transport?: Transport;
}

/** Options of {@link Fleet.exec}. */
export interface FleetExecOptions {
  /** Narrows the fleet's hosts for this command. */
  limit?: string;
  /** Per-host command bound; the remote command is killed and the host ends `timeout`. */
  timeoutMs?: number;
  /** Whole-run bound. */
  deadlineMs?: number;
  /** Aborting stops running commands (hosts end `interrupted`). */
  signal?: AbortSignal;
  /** Aborting starts no new hosts; running ones finish (first Ctrl-C). */
  drain?: AbortSignal;
  onEvent?: EventSink;
  /** Cap per host and stream on captured and reported output. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Keep output in the report's results. Default true; events carry it either way. */
  capture?: boolean;
}

/**
 * A set of hosts with their connections: open once, reused by every command until `close()`
 * (paramiko's Transport per host). Use with `await using`.
 */
export class Fleet implements AsyncDisposable {
  /** The selected hosts, in inventory order. */
  readonly hosts: readonly HostSpec[];
  readonly #opts: FleetOptions;
  #connections: Promise<Connections> | undefined;

  constructor(opts: FleetOptions) {
    const inventory = Array.isArray(opts.inventory) ? inventoryFromHosts(opts.inventory) : (opts.inventory as Inventory);
    this.hosts = selectHosts(inventory, opts.limit);
    this.#opts = opts;
  }

  /** Runs `command` on every host (or those `opts.limit` selects); resolves to the total report. */
  async exec(command: string, opts: FleetExecOptions = {}): Promise<RunReport<ExecOutput>> {
    const hosts = opts.limit === undefined ? this.hosts : selectHosts(inventoryFromHosts(this.hosts), opts.limit);
    const connections = await this.#getConnections();
    const maxOutputBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    return runHosts<ExecOutput>({
      label: command,
      hosts,
      forks: this.#opts.forks ?? 50,
      connections,
      timeoutMs: opts.timeoutMs,
      deadlineMs: opts.deadlineMs,
      signal: opts.signal,
      drain: opts.drain,
      onEvent: opts.onEvent,
      classify: classifyExec,
      task: ({ conn, host, signal, emit }) =>
        execTask(conn, {
          command,
          signal,
          maxOutputBytes,
          capture: opts.capture ?? true,
          onStdout: (data) => emit({ type: 'stdout', host: host.name, data }),
          onStderr: (data) => emit({ type: 'stderr', host: host.name, data }),
        }),
    });
  }

  /** Closes every connection. Idempotent. */
  async close(): Promise<void> {
    const connections = this.#connections;
    this.#connections = undefined;
    if (connections) await (await connections).closeAll();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
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
    });
  }
}

/** Opens a fleet over the selected hosts. Connections open on first use. */
export function openFleet(opts: FleetOptions): Fleet {
  return new Fleet(opts);
}

function classifyExec(result: HostResult<ExecOutput>): HostOutcome {
  return {
    status: statusOfExec(result),
    exitCode: result.ok ? result.value.exitCode : null,
    signal: result.ok ? result.value.signal : null,
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
