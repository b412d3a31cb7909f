/**
 * ProxyJump: hosts reached through bastions. Each bastion gets one authenticated connection per
 * run, shared by every host behind it, and a cap on the handshakes in flight through it (the
 * MaxStartups of the hosts behind, and the bastion itself, see them all at once). A target's byte
 * stream is a `direct-tcpip` channel opened on the last bastion of its chain, handed to the
 * target's own ssh2 Client as `sock`, so the target's host key is checked end to end.
 *
 * Under a pool (`ConnectOptions.slots`) a bastion connection takes one of the pool's slots while
 * it is open. It is held by the hosts behind it (`hold`, from before their connect until their
 * connection closes) and by the bastions reached through it; held by none, it is idle, and the
 * pool closes it when a host needs its slot or the pool's idle timeout passes.
 */
import type { Duplex } from 'node:stream';
import { Semaphore, type Release } from '../../concurrency/semaphore.js';
import { FleetError } from '../../errors.js';
import type { ConnectTarget } from '../transport.js';
import type { ConnectionSlot, ConnectOptions, JumpHosts } from '../transport.js';
import { SshCredentialCache } from './credentials.js';
import { abortError, translateJumpOpenError, translateSshError } from './errors.js';
import { parseJumpSpec, type JumpHop } from './jump-spec.js';
import type { LinkTarget, SshLink } from './link.js';
import { DEFAULT_RETRY_DELAY_MS, withConnectRetries } from './retry.js';
import { openTcpSocket, type SocketOpener } from './socket.js';

/** Default cap on handshakes in flight through one jump host: OpenSSH's MaxStartups start (10). */
export const DEFAULT_JUMP_HANDSHAKES = 10;
// A first hop may have its own proxy_jump; a chain deeper than this is a cycle or a mistake.
const MAX_CHAIN = 8;

/** Options of {@link createJumpHosts}. */
export interface JumpHostsOptions {
  /** Hosts a proxy_jump element may name (the inventory); other elements are `[user@]host[:port]`. */
  hosts?: readonly ConnectTarget[];
  /** Most handshakes in flight through one jump host (`--jump-handshakes`). Default 10. */
  maxHandshakes?: number;
}

/** Creates the run's jump hosts; pass it as `ConnectOptions.jumps` and close it after the connections. */
export function createJumpHosts(options: JumpHostsOptions = {}): JumpHosts {
  return new SshJumpHosts(options);
}

/** A stream opener through the last hop of a chain, holding one of that hop's handshake slots. */
export interface JumpRoute {
  open: SocketOpener;
  /** Gives the handshake slot back: call once the target authenticated or failed. */
  release: Release;
}

interface Bastion {
  spec: ConnectTarget;
  link: SshLink;
  handshakes: Semaphore;
  /** Hosts (and bastions reached through this one) holding it open. */
  users: number;
  /** Its room under the pool's cap, when there is a pool. */
  slot: ConnectionSlot | undefined;
}

/** The ssh2-backed {@link JumpHosts}. */
export class SshJumpHosts implements JumpHosts {
  readonly #byName: Map<string, ConnectTarget>;
  readonly #maxHandshakes: number;
  readonly #bastions = new Map<string, Promise<Bastion>>();
  // Connected bastions by key: lets #hop see synchronously that one has died since.
  readonly #live = new Map<string, Bastion>();
  readonly #assembly = new Semaphore(1);
  // Open bastions, in the order they connected.
  readonly #opened = new Set<Bastion>();
  #closing: Promise<void> | undefined;

  constructor(options: JumpHostsOptions) {
    this.#byName = new Map((options.hosts ?? []).map((h) => [h.name, h]));
    const max = options.maxHandshakes ?? DEFAULT_JUMP_HANDSHAKES;
    if (!Number.isInteger(max) || max < 1) throw new TypeError(`maxHandshakes must be an integer >= 1, got ${String(max)}`);
    this.#maxHandshakes = max;
  }

  /**
   * The hops `target` goes through, first to last: its proxy_jump elements, each an inventory host
   * or `[user@]host[:port]` (which inherits the target's user and credentials), preceded by the
   * first hop's own proxy_jump. Throws FLEET_CONFIG_INVALID for a malformed or cyclic chain.
   */
  chainOf(target: ConnectTarget, depth = 0): ConnectTarget[] {
    const hops = parseJumpSpec(target.proxyJump ?? '', target.name).map((hop) => this.#resolveHop(hop, target));
    const first = hops[0];
    if (first === undefined || !first.proxyJump) return hops;
    if (depth >= MAX_CHAIN) {
      throw new FleetError('FLEET_CONFIG_INVALID', `${target.name}: proxy_jump chain longer than ${MAX_CHAIN} hops (a cycle?)`, { host: target.name });
    }
    return [...this.chainOf(first, depth + 1), ...hops];
  }

  /** {@inheritDoc JumpHosts.hold} */
  async hold(target: ConnectTarget, opts: ConnectOptions): Promise<(() => void) | undefined> {
    const chain = this.chainOf(target);
    if (chain.length === 0) return undefined;
    if (!(opts.credentials instanceof SshCredentialCache)) {
      throw new FleetError('FLEET_INTERNAL', 'ConnectOptions.credentials must come from createCredentialCache()');
    }
    const creds = opts.credentials;
    const slots = opts.slots;
    if (slots !== undefined && chain.length > slots.limit) {
      throw new FleetError('FLEET_CONFIG_INVALID', `${target.name}: reached through ${chain.length} jump hosts, each a connection, but at most ${slots.limit} may be open (--max-connections)`, {
        host: target.name,
      });
    }
    // A bastion that closed between its connect and this hold (closed as idle, or lost) is
    // connected again: a few times, then its failure is the host's.
    for (let tries = 1; ; tries += 1) {
      // Under a cap, one chain at a time connects its inner hops: a chain holds its outer hops
      // while its next one waits for a slot, and two chains doing that could wait on each other.
      const assemble = slots !== undefined && chain.length > 1 && !this.#isOpen(chain);
      const unlock = assemble ? await this.#assembly.acquire({ signal: opts.signal }).catch(() => Promise.reject(abortError(opts.signal as AbortSignal, target.name))) : () => {};
      const hop = this.#hop(chain, chain.length - 1, opts, creds);
      hop.then(unlock, unlock);
      // Held as soon as it is connected, in the same turn: the pool never sees it idle meanwhile.
      const held = hop.then(
        (bastion) => {
          use(bastion);
          return bastion;
        },
        (error: unknown) => {
          throw viaJump(error, target);
        },
      );
      let bastion: Bastion;
      try {
        bastion = await raceSignal(held, opts.signal, target.name);
      } catch (error) {
        // Given up (aborted) while it connects: let go of it once it has.
        held.then(unuse, () => undefined);
        throw error;
      }
      if (!bastion.link.isClosed || tries >= 3) {
        let done = false;
        return () => {
          if (done) return;
          done = true;
          unuse(bastion);
        };
      }
      unuse(bastion);
    }
  }

  /** True when the last hop of `chain` is connected now. */
  #isOpen(chain: ConnectTarget[]): boolean {
    const live = this.#live.get(chain.map(endpointOf).join(' > '));
    return live !== undefined && !live.link.isClosed;
  }

  /**
   * Connects (or reuses) every hop of `target`'s chain, then waits for a handshake slot on the
   * last one. Failures of a hop reject with its error re-labelled for the target (same code).
   */
  async route(target: ConnectTarget, opts: ConnectOptions, creds: SshCredentialCache): Promise<JumpRoute> {
    const chain = this.chainOf(target);
    if (chain.length === 0) throw new FleetError('FLEET_INTERNAL', `${target.name}: no jump hosts to route through`);
    const hop = this.#hop(chain, chain.length - 1, opts, creds).catch((error: unknown) => {
      throw viaJump(error, target);
    });
    const bastion = await raceSignal(hop, opts.signal, target.name);
    const release = await bastion.handshakes.acquire({ signal: opts.signal }).catch(() => {
      throw abortError(opts.signal as AbortSignal, target.name);
    });
    return { open: forwarder(bastion), release };
  }

  /** {@inheritDoc JumpHosts.close} */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#bastions.values()]);
      // Innermost first: a bastion reached through another closes before the one carrying it.
      for (const bastion of [...this.#opened].reverse()) await bastion.link.close();
    })();
    return this.#closing;
  }

  /** The connected bastion for hop `index` of `chain`, shared by every chain with the same prefix. */
  #hop(chain: ConnectTarget[], index: number, opts: ConnectOptions, creds: SshCredentialCache): Promise<Bastion> {
    const key = chain.slice(0, index + 1).map(endpointOf).join(' > ');
    const live = this.#live.get(key);
    if (live?.link.isClosed) this.#forget(key, this.#bastions.get(key));
    const cached = this.#bastions.get(key);
    if (cached !== undefined) return cached;
    const connecting = this.#connectHop(chain, index, opts, creds);
    this.#bastions.set(key, connecting);
    connecting.then(
      (bastion) => {
        this.#live.set(key, bastion);
        void bastion.link.closed.then(() => this.#forget(key, connecting));
      },
      () => this.#forget(key, connecting), // a later caller may try again; waiters now share this failure
    );
    return connecting;
  }

  async #connectHop(chain: ConnectTarget[], index: number, opts: ConnectOptions, creds: SshCredentialCache): Promise<Bastion> {
    if (this.#closing !== undefined) throw new FleetError('FLEET_CANCELLED', 'jump hosts are closed');
    const spec = chain[index] as ConnectTarget;
    let open: SocketOpener = openTcpSocket;
    let release: Release = () => {};
    let via: Bastion | undefined;
    if (index > 0) {
      // Shared by every host behind it: no single caller's signal may cancel it. Bounded by the
      // connect timeouts of the hops instead. Held while this hop's connection runs through it.
      via = await this.#hop(chain, index - 1, opts, creds).then(
        (b) => {
          use(b);
          return b;
        },
        (error: unknown) => {
          throw viaJump(error, spec);
        },
      );
      release = await via.handshakes.acquire();
      open = forwarder(via);
    }
    const hopOpts: ConnectOptions = { ...opts, connectTimeoutMs: spec.connectTimeoutMs ?? opts.connectTimeoutMs };
    delete hopOpts.signal;
    // Phases, timings and debug lines are the target's: a shared bastion's would be misattributed.
    delete hopOpts.onPhase;
    delete hopOpts.onTiming;
    delete hopOpts.debug;
    let link: SshLink | undefined;
    let slot: ConnectionSlot | undefined;
    try {
      // Room under the pool's cap first: the bastion is a connection like any other.
      slot = await opts.slots?.take(spec.name, () => void link?.close());
      // ssh2 loads with the first connect (see lazy-ssh-transport.ts), not with the jump hosts.
      const { connectSsh } = await import('./connect.js');
      const { value } = await withConnectRetries(() => connectSsh(spec, hopOpts, creds, open), {
        retries: opts.retries ?? 0,
        baseDelayMs: opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
        host: spec.name,
      });
      link = value.link;
    } catch (error) {
      slot?.release();
      if (via !== undefined) unuse(via);
      throw error;
    } finally {
      release();
    }
    const bastion: Bastion = { spec, link, handshakes: new Semaphore(this.#maxHandshakes), users: 0, slot };
    this.#opened.add(bastion);
    void link.closed.then(() => {
      this.#opened.delete(bastion);
      slot?.release();
      if (via !== undefined) unuse(via);
    });
    // Nobody took it after all (a route() that reconnected it for a host already past hold):
    // idle, then, once the callers awaiting it have had their turn.
    setImmediate(() => {
      if (bastion.users === 0) slot?.setIdle(true);
    });
    if (this.#closing !== undefined) void link.close();
    return bastion;
  }

  #forget(key: string, entry: Promise<Bastion> | undefined): void {
    if (this.#bastions.get(key) !== entry) return;
    this.#bastions.delete(key);
    this.#live.delete(key);
  }

  #resolveHop(hop: JumpHop, target: ConnectTarget): ConnectTarget {
    const named = this.#byName.get(hop.host);
    // Not in the inventory: an address, reached as the target's user with the target's credentials.
    const base: ConnectTarget = named ?? {
      name: hop.spec,
      address: hop.host,
      port: 22,
      user: target.user,
      identityFiles: target.identityFiles,
      keyEnv: target.keyEnv,
      passwordEnv: target.passwordEnv,
      agent: target.agent,
      connectTimeoutMs: target.connectTimeoutMs,
      hostKeyPolicy: target.hostKeyPolicy,
    };
    if (hop.user === undefined && hop.port === undefined) return base;
    return { ...base, name: named ? hop.spec : base.name, user: hop.user ?? base.user, port: hop.port ?? base.port };
  }
}

/** One more host (or bastion) holds `bastion` open. */
function use(bastion: Bastion): void {
  bastion.users += 1;
  if (bastion.users === 1) bastion.slot?.setIdle(false);
}

/** One holder of `bastion` let go; held by none, it is idle (the pool may close it). */
function unuse(bastion: Bastion): void {
  bastion.users -= 1;
  if (bastion.users === 0) bastion.slot?.setIdle(true);
}

function endpointOf(spec: ConnectTarget): string {
  return `${spec.user}@${spec.address}:${spec.port}`;
}

/** Opens `direct-tcpip` channels on `bastion` (the channel is the target's socket). */
function forwarder(bastion: Bastion): SocketOpener {
  const name = bastion.spec.name;
  return (target: LinkTarget, signal: AbortSignal) =>
    new Promise<Duplex>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let done = false;
      const onAbort = (): void => {
        done = true;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        bastion.link.client.forwardOut('127.0.0.1', 0, target.address, target.port, (err, channel) => {
          signal.removeEventListener('abort', onAbort);
          if (done) {
            channel?.destroy(); // the attempt gave up meanwhile
            return;
          }
          done = true;
          if (err) reject(bastion.link.failure ?? translateJumpOpenError(err, target, name));
          else resolve(channel);
        });
      } catch (error) {
        signal.removeEventListener('abort', onAbort);
        reject(bastion.link.failure ?? translateSshError(error, { ...target, phase: 'connect' }));
      }
    });
}

/** A hop's failure, as the host behind it reports it: same code, the hop named, the original as cause. */
function viaJump(error: unknown, target: ConnectTarget): FleetError {
  const e = error instanceof FleetError ? error : translateSshError(error, { host: target.name, address: target.address, port: target.port, phase: 'connect' });
  return new FleetError(e.code, `${target.name}: via jump host: ${e.message}`, { host: target.name, details: { jumpHost: e.context.host } }, { cause: e });
}

/** Waits for `promise` unless `signal` aborts first (the shared work goes on for the others). */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined, host: string): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal, host));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal, host));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
