import { FleetError, toFleetError } from '../errors.js';
import type { HostSpec } from '../inventory/host-spec.js';
import type { ConnectOptions, Connection, HostKey, HostKeyPolicy, KnownHosts, Transport } from '../transport/index.js';

/**
 * Connect options fixed for the life of a Fleet (per-call signal and phase hook apart).
 * `hostKeyPolicy`, when given, overrides every host's own `strictHostKeys` (the command line
 * wins); otherwise each host's setting applies, and strict checking when it has none.
 */
export type SharedConnectOptions = Omit<ConnectOptions, 'signal' | 'onPhase' | 'hostKeyPolicy' | 'debug'> & {
  hostKeyPolicy?: HostKeyPolicy | undefined;
  /** Protocol debug lines, per host (bound to `ConnectOptions.debug` for each host's connect). */
  sshDebug?: ((host: string, line: string) => void) | undefined;
};

const POLICY_OF_SETTING: Record<NonNullable<HostSpec['strictHostKeys']>, HostKeyPolicy> = {
  yes: 'strict',
  'accept-new': 'accept-new',
  no: 'off',
};

/**
 * One open transport per host, reused by every exec, transfer and step of a Fleet (paramiko's
 * Transport, reused). A connection that died is dropped and replaced only when the next task
 * asks for it, so a task never reconnects in the middle.
 */
export class Connections {
  readonly #transport: Transport;
  readonly #options: SharedConnectOptions;
  readonly #open = new Map<string, Connection>();
  // Filled as transports die, so `get` can tell synchronously whether a cached one is usable.
  readonly #dead = new WeakSet<Connection>();
  #opened = 0;
  // Set by closeAll: a connect still in flight then closes what it opened instead of leaking it.
  #closed = false;

  constructor(transport: Transport, options: SharedConnectOptions) {
    this.#transport = transport;
    this.#options = options;
  }

  /** How many connections were opened in total (reuse makes this smaller than tasks run). */
  get openedCount(): number {
    return this.#opened;
  }

  /** An open connection to `host`, reusing a live one; `onPhase` sees fresh connects only. */
  async get(
    host: HostSpec,
    signal: AbortSignal,
    onPhase: (phase: 'connected' | 'authenticated') => void,
    onTiming?: ConnectOptions['onTiming'],
  ): Promise<{ conn: Connection; reused: boolean }> {
    const existing = this.#open.get(host.name);
    if (existing && !this.#dead.has(existing)) return { conn: existing, reused: true };
    if (existing) this.#open.delete(host.name);
    if (this.#closed) throw closedError(host);
    const conn = await this.#transport.connect(host, { ...this.#connectOptions(host), signal, onPhase, ...(onTiming && { onTiming }) });
    if (this.#closed) {
      await conn.close();
      throw closedError(host);
    }
    this.#opened += 1;
    this.#open.set(host.name, conn);
    void conn.closed.then(() => this.#dead.add(conn));
    return { conn, reused: false };
  }

  /** The run's known_hosts (what `fleet hostkeys accept` writes to). */
  get knownHosts(): KnownHosts {
    return this.#options.knownHosts;
  }

  /**
   * Reads `host`'s key without authenticating to it (jump hosts on the way authenticate as usual).
   * Rejects with FLEET_CONFIG_INVALID when the transport cannot scan.
   */
  scanHostKey(host: HostSpec, signal: AbortSignal): Promise<HostKey> {
    if (this.#transport.scanHostKey === undefined) {
      return Promise.reject(new FleetError('FLEET_CONFIG_INVALID', `${host.name}: this transport cannot scan host keys`, { host: host.name }));
    }
    return this.#transport.scanHostKey(host, { ...this.#connectOptions(host), signal });
  }

  #connectOptions(host: HostSpec): ConnectOptions {
    const hostKeyPolicy =
      this.#options.hostKeyPolicy ?? (host.strictHostKeys ? POLICY_OF_SETTING[host.strictHostKeys] : 'strict');
    const connectTimeoutMs = host.connectTimeoutMs ?? this.#options.connectTimeoutMs;
    const { sshDebug, ...shared } = this.#options;
    const debug = sshDebug && ((line: string): void => sshDebug(host.name, line));
    return { ...shared, connectTimeoutMs, hostKeyPolicy, ...(debug && { debug }) };
  }

  /** Closes one host's connection (after a failure that may have left it unusable). */
  async drop(host: HostSpec): Promise<void> {
    const conn = this.#open.get(host.name);
    this.#open.delete(host.name);
    await conn?.close().catch((error: unknown) => toFleetError(error, host.name));
  }

  /** Closes every connection; safe to call more than once. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    const all = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(all.map((conn) => conn.close()));
    // Bastions last: the connections above ran through them.
    await this.#options.jumps?.close();
  }
}

function closedError(host: HostSpec): FleetError {
  return new FleetError('FLEET_CANCELLED', `${host.name}: the fleet was closed`, { host: host.name });
}
