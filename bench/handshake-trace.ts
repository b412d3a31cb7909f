/**
 * The timeline of one fresh connect + `exec true` + close, in round trips, from the client's
 * socket: every write and every chunk read, and the connect phases. Standalone:
 *
 *   npx tsx bench/handshake-trace.ts [RTT_MS=200]
 *
 * Starts a one-host lab and a latency proxy in front of it, connects twice (the second is the one
 * to read: the first pays for module and key loading), prints both, stops the lab and proxy.
 */
import net from 'node:net';
import type { HostSpec } from '../src/inventory/host-spec.js';
import { createCredentialCache, createSshTransport, loadKnownHosts } from '../src/transport/index.js';
import { startLab } from '../test/lab/lab.js';
import { startLatencyProxies } from '../test/lab/latency-proxy.js';

const rtt = Number(process.argv[2] ?? 200);
const lab = await startLab({ hosts: 1, name: 'handshake-trace' });
const h = lab.hosts[0];
if (h === undefined) throw new Error('no lab host');
const proxies = await startLatencyProxies({ targets: [{ name: h.name, host: h.address, port: h.port }], rttMs: rtt });
try {
  const p = proxies.hosts[0]?.proxy;
  if (p === undefined) throw new Error('no proxy');
  const knownHosts = await loadKnownHosts({ files: [lab.knownHostsFile] });
  const log: string[] = [];
  let t0 = 0;
  const stamp = (): string => ((performance.now() - t0) / rtt).toFixed(2);
  const ours = (s: net.Socket): boolean => s.remotePort === p.port && s.remoteAddress === p.host;
  // Observe the client socket's traffic (the proxy's own sockets go to other addresses).
  const write = net.Socket.prototype.write;
  const emit = net.Socket.prototype.emit;
  (net.Socket.prototype as unknown as { write: unknown }).write = function (this: net.Socket, data: { length: number }, ...rest: unknown[]) {
    if (ours(this)) log.push(`${stamp()}  out ${data.length} B`);
    return (write as (...a: unknown[]) => boolean).call(this, data, ...rest);
  };
  (net.Socket.prototype as unknown as { emit: unknown }).emit = function (this: net.Socket, event: string, ...rest: unknown[]) {
    if (event === 'data' && ours(this)) log.push(`${stamp()}  in  ${(rest[0] as Buffer).length} B`);
    return (emit as (...a: unknown[]) => boolean).call(this, event, ...rest);
  };
  const spec: HostSpec = { name: h.name, address: p.host, port: p.port, user: 'root', identityFiles: [lab.keyFile], knownHostsFiles: [], labels: {}, vars: {}, groups: [] };
  for (const round of [1, 2]) {
    log.length = 0;
    t0 = performance.now();
    const conn = await createSshTransport().connect(spec, {
      connectTimeoutMs: 30_000,
      hostKeyPolicy: 'off',
      knownHosts,
      credentials: createCredentialCache({}),
      onPhase: (phase) => log.push(`${stamp()}  -- ${phase}`),
    });
    await conn.exec({ command: 'true' });
    log.push(`${stamp()}  -- exec done`);
    await conn.close();
    log.push(`${stamp()}  -- closed`);
    process.stdout.write(`round ${round} (RTT ${rtt} ms; times in round trips):\n${log.join('\n')}\n\n`);
  }
} finally {
  await proxies.close();
  await lab.stop();
}
