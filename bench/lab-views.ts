/**
 * The bench's one lab, seen as "views": the first N hosts at an RTT. A view has its own fleet
 * inventory, known_hosts, hosts JSON (for the baseline scripts) and addresses file (for the
 * OpenSSH tools). RTT > 0 puts a latency-proxy process in front of the view's hosts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startLab, type Lab } from '../test/lab/lab.js';
import { writeInventoryFile } from '../test/setup/inventory-file.js';
import type { SshTarget } from './baselines/openssh.js';
import type { ProxyProcessConfig } from './proxy-process.js';

export interface ViewHost {
  name: string;
  address: string;
  port: number;
}

export interface LabView extends SshTarget {
  key: string;
  rttMs: number;
  hosts: ViewHost[];
  inventoryFile: string;
  /** {user, keyFile, knownHostsFile, hosts} for bench/baselines/*.ts. */
  hostsJson: string;
}

export class LabViews {
  private readonly views = new Map<string, Promise<LabView>>();
  private readonly proxies = new Set<ChildProcess>();

  private constructor(
    readonly lab: Lab,
    private readonly work: string,
    private readonly repoRoot: string,
  ) {}

  static async start(opts: { hosts: number; work: string; repoRoot: string; log: (s: string) => void; name?: string }): Promise<LabViews> {
    const t0 = performance.now();
    const lab = await startLab({ hosts: opts.hosts, name: opts.name ?? 'bench' });
    opts.log(`lab: ${lab.hosts.length} sshd hosts ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (${lab.hosts[0]?.address} ..)`);
    return new LabViews(lab, opts.work, opts.repoRoot);
  }

  /** The first `count` lab hosts at `rttMs` (cached). */
  view(count: number, rttMs: number): Promise<LabView> {
    const key = `${count}-rtt${rttMs}`;
    let view = this.views.get(key);
    if (view === undefined) {
      view = this.makeView(key, count, rttMs);
      this.views.set(key, view);
    }
    return view;
  }

  /** Stops the proxies of views with RTT > 0 (they hold many sockets; views are rebuilt on demand). */
  async closeProxies(): Promise<void> {
    const children = [...this.proxies];
    this.proxies.clear();
    for (const [key, view] of this.views) if (!key.endsWith('-rtt0')) this.views.delete(key);
    await Promise.all(children.map(stopChild));
  }

  async stop(): Promise<void> {
    try {
      await this.closeProxies();
    } finally {
      await this.lab.stop();
    }
  }

  private async makeView(key: string, count: number, rttMs: number): Promise<LabView> {
    if (count > this.lab.hosts.length) throw new Error(`view of ${count} hosts: the lab has ${this.lab.hosts.length}`);
    const labHosts = this.lab.hosts.slice(0, count);
    const base = join(this.work, `view-${key}`);
    let hosts: ViewHost[] = labHosts.map((h) => ({ name: h.name, address: h.address, port: h.port }));
    let inventoryFile = `${base}.yaml`;
    let knownHostsFile = this.lab.knownHostsFile;
    if (rttMs > 0) {
      const proxied = await this.startProxies(base, hosts, rttMs);
      hosts = proxied.hosts;
      inventoryFile = proxied.inventoryFile;
      knownHostsFile = proxied.knownHostsFile;
    } else {
      writeInventoryFile(
        inventoryFile,
        { user: 'root', key: this.lab.keyFile, known_hosts: knownHostsFile },
        new Map(hosts.map((h) => [h.name, { host: h.address, ...(h.port === 22 ? {} : { port: h.port }) }])),
      );
    }
    const addressesFile = `${base}.addresses`;
    await writeFile(addressesFile, hosts.map((h) => (h.port === 22 ? h.address : `${h.address}:${h.port}`)).join('\n') + '\n');
    const hostsJson = `${base}.json`;
    await writeFile(hostsJson, JSON.stringify({ user: 'root', keyFile: this.lab.keyFile, knownHostsFile, hosts }));
    return { key, rttMs, hosts, inventoryFile, hostsJson, addressesFile, user: 'root', keyFile: this.lab.keyFile, knownHostsFile, count };
  }

  private async startProxies(base: string, hosts: ViewHost[], rttMs: number): Promise<{ hosts: ViewHost[]; inventoryFile: string; knownHostsFile: string }> {
    const config: ProxyProcessConfig = {
      targets: hosts.map((h) => ({ name: h.name, host: h.address, port: h.port })),
      rttMs,
      inventoryFile: this.lab.inventoryFile,
      knownHostsFile: this.lab.knownHostsFile,
      outInventory: `${base}.yaml`,
      outKnownHosts: `${base}.known_hosts`,
    };
    const configFile = `${base}.proxy.json`;
    await writeFile(configFile, JSON.stringify(config));
    const child = spawn(process.execPath, ['--import', 'tsx', join(this.repoRoot, 'bench', 'proxy-process.ts'), configFile], {
      cwd: this.repoRoot,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.proxies.add(child);
    const lines = createInterface({ input: child.stdout! });
    const ready = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`latency proxy process exited (${code}) before it was ready`)));
    });
    const m = /^READY (.*)$/.exec(ready);
    if (m?.[1] === undefined) throw new Error(`latency proxy process: unexpected "${ready}"`);
    const endpoints = JSON.parse(m[1]) as { host: string; port: number }[];
    return {
      hosts: hosts.map((h, i) => ({ name: h.name, address: endpoints[i]?.host ?? '?', port: endpoints[i]?.port ?? 0 })),
      inventoryFile: config.outInventory,
      knownHostsFile: config.outKnownHosts,
    };
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
