/**
 * Runs the latency proxies for one lab view in their own process, so their copying and timers
 * neither steal the bench's event loop nor skew its clocks. Reads a JSON config (argv[2]), writes
 * the proxied inventory and known_hosts, prints `READY` and serves until stdin closes or SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import { startLatencyProxies, writeProxiedInventory, type ProxyTarget } from '../test/lab/latency-proxy.js';

export interface ProxyProcessConfig {
  targets: ProxyTarget[];
  rttMs: number;
  inventoryFile: string;
  knownHostsFile: string;
  outInventory: string;
  outKnownHosts: string;
}

const config = JSON.parse(await readFile(process.argv[2] ?? '', 'utf8')) as ProxyProcessConfig;
const proxies = await startLatencyProxies({ targets: config.targets, rttMs: config.rttMs });
let closing = false;
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  void proxies.close().finally(() => process.exit(0));
};
process.stdin.on('end', shutdown).on('close', shutdown).resume();
process.on('SIGTERM', shutdown);
process.on('SIGINT', () => undefined); // the bench decides when we stop
try {
  await writeProxiedInventory({
    inventoryFile: config.inventoryFile,
    knownHostsFile: config.knownHostsFile,
    hosts: proxies.hosts,
    outInventory: config.outInventory,
    outKnownHosts: config.outKnownHosts,
  });
  process.stdout.write(`READY ${JSON.stringify(proxies.hosts.map((h) => h.proxy))}\n`);
} catch (error) {
  process.stderr.write(`proxy process: ${error instanceof Error ? error.message : String(error)}\n`);
  shutdown();
}
