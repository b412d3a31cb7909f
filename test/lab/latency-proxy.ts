/**
 * A userspace TCP proxy that adds round-trip latency (there is no `tc netem` here; DESIGN.md §8).
 *
 * Each direction is a timestamped queue: a chunk read at time t is written out at t + rtt/2, so
 * many chunks are in flight at once and throughput is limited by the protocol's windows, as on a
 * real link, not divided by a sleep per chunk. The upstream connect waits ~1.5 RTT (the TCP
 * handshake), so the server's banner reaches the client 2 RTT after connect(). When a queue holds
 * more than `maxQueuedBytes` the reading side is paused until it drains to half of that.
 */
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { parse, stringify } from 'yaml';

export interface Endpoint {
  host: string;
  port: number;
}

export interface LatencyProxyOptions {
  listen: { host: string; port?: number };
  target: Endpoint;
  /** Round-trip time added to every connection through the proxy; 0 forwards at once. */
  rttMs: number;
  /** Bytes queued per direction before the reading side is paused (default 16 MiB). */
  maxQueuedBytes?: number;
  /** Upstream connect delay in RTTs (default 1.5: a TCP handshake before the first byte). */
  connectDelayRtt?: number;
}

export interface LatencyProxy {
  host: string;
  port: number;
  /** Connections currently open through the proxy. */
  readonly connections: number;
  close(): Promise<void>;
}

const DEFAULT_MAX_QUEUED = 16 * 1024 * 1024;

/** One direction of one connection: chunks read from `src` leave for `dst` after `delayMs`. */
class DelayLine {
  private readonly queue: { due: number; chunk: Buffer | null }[] = [];
  private head = 0;
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private dst: net.Socket | undefined;
  private waitingDrain = false;
  private paused = false;
  private done = false;
  private sawEnd = false;

  constructor(
    private readonly src: net.Socket,
    private readonly delayMs: number,
    private readonly maxQueued: number,
  ) {
    src.on('data', (chunk: Buffer) => this.push(chunk));
    // EOF travels with the same delay as data; a socket that closes without an orderly end
    // (reset, error) is treated as ended too, so its peer is not left open forever.
    src.once('end', () => this.push(null));
    src.once('close', () => this.push(null));
  }

  /** The destination is connected: start delivering what is due. */
  attach(dst: net.Socket): void {
    this.dst = dst;
    this.flush();
  }

  stop(): void {
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.head = 0;
  }

  private push(chunk: Buffer | null): void {
    if (this.done || this.sawEnd) return;
    if (chunk === null) this.sawEnd = true;
    this.queue.push({ due: performance.now() + this.delayMs, chunk });
    if (chunk !== null) {
      this.queued += chunk.length;
      if (this.queued > this.maxQueued && !this.paused) {
        this.paused = true;
        this.src.pause();
      }
    }
    if (this.timer === undefined) this.flush();
  }

  private flush(): void {
    this.timer = undefined;
    const dst = this.dst;
    if (this.done || dst === undefined || this.waitingDrain) return;
    const now = performance.now();
    while (this.head < this.queue.length) {
      const item = this.queue[this.head];
      if (item === undefined) break;
      if (item.due > now) {
        this.timer = setTimeout(() => this.flush(), Math.max(1, Math.ceil(item.due - now)));
        break;
      }
      this.head += 1;
      if (item.chunk === null) {
        this.done = true;
        if (!dst.destroyed) dst.end();
        break;
      }
      this.queued -= item.chunk.length;
      if (dst.destroyed) continue;
      if (!dst.write(item.chunk)) {
        this.waitingDrain = true;
        dst.once('drain', () => {
          this.waitingDrain = false;
          this.flush();
        });
        break;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.paused && this.queued <= this.maxQueued / 2) {
      this.paused = false;
      this.src.resume();
    }
  }
}

/** Starts one proxy listening on `listen` and forwarding to `target` with `rttMs` added. */
export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const { rttMs, target } = options;
  if (!(rttMs >= 0)) throw new TypeError(`rttMs must be >= 0, got ${rttMs}`);
  const maxQueued = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED;
  const connectDelay = rttMs * (options.connectDelayRtt ?? 1.5);
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const lines = new Set<DelayLine>();
  let closing = false;

  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    if (closing) {
      client.destroy();
      return;
    }
    track(client);
    client.setNoDelay(true);
    const up = new DelayLine(client, rttMs / 2, maxQueued);
    let upstream: net.Socket | undefined;
    let down: DelayLine | undefined;
    lines.add(up);
    const teardown = (): void => {
      up.stop();
      down?.stop();
      lines.delete(up);
      if (down !== undefined) lines.delete(down);
      client.destroy();
      upstream?.destroy();
    };
    client.on('error', teardown);
    client.once('close', () => {
      // Let data already queued toward the client's peer finish: only tear down when both are gone.
      if (upstream === undefined || upstream.destroyed) teardown();
    });
    const connect = (): void => {
      if (closing || client.destroyed) return;
      const socket = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
      upstream = socket;
      track(socket);
      down = new DelayLine(socket, rttMs / 2, maxQueued);
      lines.add(down);
      socket.on('error', teardown);
      socket.once('close', () => {
        if (client.destroyed) teardown();
      });
      socket.once('connect', () => up.attach(socket));
      down.attach(client);
    };
    if (connectDelay > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        connect();
      }, connectDelay);
      timers.add(timer);
    } else {
      connect();
    }
  });

  server.listen({ host: options.listen.host, port: options.listen.port ?? 0 });
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('latency proxy: no TCP address');

  return {
    host: address.address,
    port: address.port,
    get connections() {
      return sockets.size;
    },
    async close() {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const line of lines) line.stop();
      lines.clear();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

export interface ProxyTarget {
  /** The host's inventory name (kept in the derived inventory). */
  name: string;
  host: string;
  port: number;
}

export interface ProxiedHost extends ProxyTarget {
  /** Where the proxy listens for this host. */
  proxy: Endpoint;
}

export interface LatencyProxies {
  rttMs: number;
  hosts: ProxiedHost[];
  close(): Promise<void>;
}

/**
 * Where a target's proxy listens by default: 127.S.B.C -> 127.(S+100).B.C on the same port (the
 * lab's 127.20.x.y:22 becomes 127.120.x.y:22; labs take S in 20..99, so proxies never collide with
 * another lab); any other address gets an ephemeral port on 127.0.0.1.
 */
export function mirrorAddress(target: Endpoint, octetShift = 100): { host: string; port?: number } {
  const m = /^127\.(\d+)\.(\d+)\.(\d+)$/.exec(target.host);
  if (m === null) return { host: '127.0.0.1' };
  const second = Number(m[1]) + octetShift;
  if (second > 255) return { host: '127.0.0.1' };
  return { host: `127.${second}.${m[2]}.${m[3]}`, port: target.port };
}

/** One proxy per target (one listener each), all with the same RTT. Closes them all on failure. */
export async function startLatencyProxies(options: {
  targets: readonly ProxyTarget[];
  rttMs: number;
  maxQueuedBytes?: number;
  listenFor?: (target: ProxyTarget, index: number) => { host: string; port?: number };
}): Promise<LatencyProxies> {
  const listenFor = options.listenFor ?? ((t: ProxyTarget) => mirrorAddress(t));
  const proxies: LatencyProxy[] = [];
  const hosts: ProxiedHost[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(proxies.map((p) => p.close()));
  };
  try {
    for (const [index, target] of options.targets.entries()) {
      const proxy = await startLatencyProxy({
        listen: listenFor(target, index),
        target: { host: target.host, port: target.port },
        rttMs: options.rttMs,
        ...(options.maxQueuedBytes !== undefined ? { maxQueuedBytes: options.maxQueuedBytes } : {}),
      });
      proxies.push(proxy);
      hosts.push({ ...target, proxy: { host: proxy.host, port: proxy.port } });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { rttMs: options.rttMs, hosts, close };
}

/** The name a known_hosts line uses for host:port (`[host]:port` unless port 22). */
export function knownHostsName(endpoint: Endpoint): string {
  return endpoint.port === 22 ? endpoint.host : `[${endpoint.host}]:${endpoint.port}`;
}

/**
 * known_hosts text for the proxies: every plain-name line of `text` that names a target again,
 * under its proxy's address (host keys are checked against the address actually connected to).
 */
export function deriveKnownHosts(text: string, hosts: readonly ProxiedHost[]): string {
  const byName = new Map<string, string[]>();
  for (const h of hosts) {
    const from = knownHostsName(h);
    const list = byName.get(from) ?? [];
    list.push(knownHostsName(h.proxy));
    byName.set(from, list);
  }
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('@')) continue;
    const [names, ...rest] = line.split(/\s+/);
    if (names === undefined || rest.length < 2) continue;
    if (names.startsWith('|')) {
      throw new Error('deriveKnownHosts: hashed known_hosts names cannot be mapped to proxy addresses');
    }
    const mapped = names.split(',').flatMap((n) => byName.get(n) ?? []);
    for (const name of new Set(mapped)) out.push(`${name} ${rest.join(' ')}`);
  }
  return out.join('\n') + '\n';
}

/**
 * Writes an inventory and a known_hosts for the proxies: the same host names, defaults and
 * per-host settings as `inventoryFile`, with each proxied host's address and port replaced and
 * `defaults.known_hosts` pointing at the derived known_hosts. Hosts not proxied are left out.
 */
export async function writeProxiedInventory(options: {
  inventoryFile: string;
  knownHostsFile: string;
  hosts: readonly ProxiedHost[];
  outInventory: string;
  outKnownHosts: string;
}): Promise<{ inventoryFile: string; knownHostsFile: string }> {
  const doc = (parse(await readFile(options.inventoryFile, 'utf8')) ?? {}) as {
    defaults?: Record<string, unknown>;
    hosts?: Record<string, Record<string, unknown> | null>;
    [key: string]: unknown;
  };
  const original = doc.hosts ?? {};
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const h of options.hosts) {
    const entry = { ...(original[h.name] ?? {}) };
    entry['host'] = h.proxy.host;
    if (h.proxy.port === 22) delete entry['port'];
    else entry['port'] = h.proxy.port;
    hosts[h.name] = entry;
  }
  const derived = {
    defaults: { ...(doc.defaults ?? {}), known_hosts: options.outKnownHosts },
    hosts,
  };
  const knownText = deriveKnownHosts(await readFile(options.knownHostsFile, 'utf8'), options.hosts);
  await writeFile(options.outKnownHosts, knownText, { mode: 0o600 });
  await writeFile(options.outInventory, stringify(derived), { mode: 0o600 });
  return { inventoryFile: options.outInventory, knownHostsFile: options.outKnownHosts };
}
