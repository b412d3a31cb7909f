/**
 * Small TCP fault servers on 127.0.0.1, for the fault suite. Each mode is a hostile "host":
 * - `silent`: accepts and never sends a byte (no banner);
 * - `garbage`: accepts and sends text that is not an SSH identification line;
 * - `forward`: relays to a real sshd and resets the connection (RST, `resetAndDestroy`) at a
 *   chosen point: during key exchange, during authentication, after N bytes from the client
 *   (mid-transfer), or when the test calls `resetAll()` (mid-command).
 * Every socket it opens is tracked and destroyed by `close()`.
 */
import net from 'node:net';
import { ClientPhaseTracker, SSH_MSG } from './ssh-packets.js';

/** When a forwarding proxy resets its connections. */
export type ResetPoint =
  | 'never'
  /** When the client sends its KEX_ECDH_INIT: both KEXINITs exchanged, keys not yet agreed. */
  | 'kex'
  /** At the client's first encrypted byte (the ssh-userauth service request). */
  | 'auth'
  /** Once the client has sent this many bytes in total (e.g. half of an upload). */
  | { clientBytes: number };

export type FaultMode = { kind: 'silent' } | { kind: 'garbage'; text?: string | Buffer } | { kind: 'forward'; target: { host: string; port: number }; resetAt: ResetPoint };

export interface FaultProxy {
  host: string;
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections reset by the proxy so far. */
  readonly resets: number;
  /** Resets every open connection now (RST to the client, upstream destroyed). */
  resetAll(): void;
  close(): Promise<void>;
}

const GARBAGE = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\nnot an ssh server\r\n';

/** Starts a fault server on 127.0.0.1 and an ephemeral port. */
export async function startFaultProxy(mode: FaultMode): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  const resetters = new Set<() => void>();
  let accepted = 0;
  let resets = 0;
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', () => undefined); // resets and peer errors are the point here
    socket.once('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    accepted += 1;
    track(client);
    if (mode.kind === 'garbage') client.write(mode.text ?? GARBAGE);
    // Read and drop what the client sends: a socket nobody reads never sees the peer's FIN.
    if (mode.kind !== 'forward') {
      client.resume();
      return;
    }
    const upstream = net.connect({ host: mode.target.host, port: mode.target.port, noDelay: true });
    track(upstream);
    const reset = (): void => {
      resetters.delete(reset);
      if (client.destroyed) return;
      resets += 1;
      client.resetAndDestroy();
      upstream.destroy();
    };
    resetters.add(reset);
    client.once('close', () => {
      resetters.delete(reset);
      upstream.destroy();
    });
    upstream.once('close', () => client.destroy());
    const shouldReset = resetRule(mode.resetAt);
    client.on('data', (chunk: Buffer) => {
      const cut = shouldReset(chunk);
      if (cut === undefined) {
        upstream.write(chunk);
        return;
      }
      if (cut > 0) upstream.write(chunk.subarray(0, cut));
      reset();
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    get accepted() {
      return accepted;
    },
    get resets() {
      return resets;
    },
    resetAll: () => [...resetters].forEach((reset) => reset()),
    close: async () => {
      resetters.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A per-connection rule: given each client chunk, undefined to forward it all, or how many of
 * its bytes to forward before resetting.
 */
function resetRule(point: ResetPoint): (chunk: Buffer) => number | undefined {
  if (point === 'never') return () => undefined;
  if (typeof point === 'object') {
    let sent = 0;
    return (chunk) => {
      const room = point.clientBytes - sent;
      sent += chunk.length;
      return chunk.length < room ? undefined : Math.max(0, room);
    };
  }
  const tracker = new ClientPhaseTracker();
  return (chunk) => {
    const before = tracker.phase;
    const clear = tracker.push(chunk);
    if (point === 'kex') return tracker.seen.has(SSH_MSG.KEX_ECDH_INIT) ? 0 : undefined;
    // 'auth': everything past NEWKEYS is encrypted traffic, i.e. authentication onwards.
    if (before === 'encrypted') return 0;
    return tracker.phase === 'encrypted' && clear < chunk.length ? clear : undefined;
  };
}
