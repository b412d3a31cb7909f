import { inventoryFromHosts, selectHosts, type HostSpec, type Inventory } from './inventory/index.js';
import { execOperation, type FleetExecOptions } from './operations/exec.js';
import type { OperationContext } from './operations/context.js';
import type { ExecOutput, RunReport } from './result.js';
import { Connections } from './run/connections.js';
import {
  createCredentialCache,
  createSshTransport,
  loadKnownHosts,
  type HostKeyPolicy,
  type KnownHosts,
  type Transport,
} from './transport/index.js';

export { DEFAULT_MAX_OUTPUT_BYTES, type FleetExecOptions } from './operations/exec.js';

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
    return execOperation(await this.#context(opts.limit), command, opts);
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
    });
  }
}

/** Opens a fleet over the selected hosts. Connections open on first use. */
export function openFleet(opts: FleetOptions): Fleet {
  return new Fleet(opts);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
