// Helpers shared by the connections*.test.ts files (not a test file itself).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openFleet, type FleetOptions } from '../../src/fleet.js';
import type { HostSpec } from '../../src/inventory/host-spec.js';
import type { PingOutput } from '../../src/operations/ping.js';
import type { HostResult, RunReport } from '../../src/result.js';

export const run = promisify(execFile);

/** A HostSpec for a container (or any host:port): key auth as root by default. */
export function spec(name: string, address: string, port: number, over: Partial<HostSpec> = {}): HostSpec {
  return { name, address, port, user: 'root', identityFiles: [], knownHostsFiles: [], labels: {}, vars: {}, groups: [], ...over };
}

/** Pings `hosts` with a fresh Fleet (closed afterwards); resolves to the report. */
export async function ping(hosts: HostSpec[], opts: Omit<FleetOptions, 'inventory'> = {}): Promise<RunReport<PingOutput>> {
  await using fleet = openFleet({ inventory: hosts, ...opts });
  return await fleet.ping(); // awaited here: `using` disposes when the function returns
}

/** The single result of a one-host ping. */
export async function pingOne(host: HostSpec, opts: Omit<FleetOptions, 'inventory'> = {}): Promise<HostResult<PingOutput>> {
  const report = await ping([host], opts);
  return report.results[0] as HostResult<PingOutput>;
}

/** A container's sshd log so far (sshd -e logs to stderr, which docker keeps). */
export async function dockerLogs(containerId: string): Promise<string> {
  const { stdout, stderr } = await run('docker', ['logs', containerId], { maxBuffer: 64 << 20 });
  return stdout + stderr;
}

/** How many times `pattern` occurs in a container's log. */
export async function logCount(containerId: string, pattern: RegExp): Promise<number> {
  return (await dockerLogs(containerId)).split('\n').filter((l) => pattern.test(l)).length;
}

/** A container's address on the docker bridge. */
export async function containerIp(containerId: string): Promise<string> {
  const { stdout } = await run('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', containerId]);
  return stdout.trim();
}

/** A port that was free a moment ago (bind, read, close): nothing listens there afterwards. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A private temp directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A TCP front for `port` on 127.0.0.1 that resets the first `drop` connections it accepts (as a
 * host still booting, or sshd past MaxStartups, would) and pipes the rest through. Counts them.
 */
export async function flakyFront(port: number, drop: number): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    accepted += 1;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (accepted <= drop) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
