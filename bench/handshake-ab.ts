/**
 * Handshake time per host, fleet's connect against a plain ssh2 client, with the optimisations
 * added one at a time (DESIGN §7): TCP_NODELAY, no 'none' auth probe, signed publickey sent
 * directly, cached key objects. Standalone (not a bench/run.ts case):
 *
 *   npx tsx bench/handshake-ab.ts [--hosts 100] [--rounds 5] [--rtt 0] [--variants a,b]
 *
 * Starts a lab of `--hosts` sshd hosts (and, with --rtt > 0, one in-process latency proxy per
 * host), then per round connects every variant to all hosts at once, in rotating order, and
 * records each connection's time from connect() to authenticated. Prints medians over rounds of
 * the per-round median, p90, wall time and this process's CPU time (the client's own cost, the
 * figure least disturbed by other load on the machine). Stops the lab (and proxies) on exit.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import type { Client, ParsedKey } from 'ssh2';
import ssh2 from 'ssh2';
import type { HostSpec } from '../src/inventory/host-spec.js';
import { createCredentialCache, createSshTransport, loadKnownHosts, type KnownHosts } from '../src/transport/index.js';
import { SshCredentialCache } from '../src/transport/ssh/credentials.js';
import { signPublickeyDirectly } from '../src/transport/ssh/ssh2-internals.js';
import { startLab } from '../test/lab/lab.js';
import { startLatencyProxies } from '../test/lab/latency-proxy.js';

interface Target {
  name: string;
  host: string;
  port: number;
}
interface Env {
  keyFile: string;
  keyText: string;
  parsedOnce: ParsedKey;
  cachedKey: ParsedKey;
  knownHosts: KnownHosts;
}
type Variant = (t: Target, env: Env) => Promise<() => Promise<void>>;

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

/** A plain ssh2 client, with the given optimisations layered on. */
function plain(opts: { noDelay?: boolean; noNone?: 'parsed' | 'cached'; direct?: boolean }): Variant {
  return (t, env) =>
    new Promise((resolve, reject) => {
      const client: Client = new ssh2.Client();
      client.on('error', reject);
      client.once('ready', () => resolve(() => closeClient(client)));
      const key = opts.noNone === 'cached' ? env.cachedKey : env.parsedOnce;
      let tried = false;
      const sock = opts.noDelay ? net.connect(t.port, t.host).setNoDelay(true) : undefined;
      client.connect({
        ...(sock ? { sock } : { host: t.host, port: t.port }),
        username: 'root',
        hostVerifier: () => true,
        readyTimeout: 60_000,
        ...(opts.noNone
          ? {
              authHandler: (_m: unknown, _p: unknown, next: (a: unknown) => void) => {
                next(tried ? false : { type: 'publickey', username: 'root', key });
                tried = true;
              },
            }
          : { privateKey: env.keyText }),
      } as ssh2.ConnectConfig);
      if (opts.direct) signPublickeyDirectly(client);
    });
}

const fleetVariant: Variant = async (t, env) => {
  const host: HostSpec = { name: t.name, address: t.host, port: t.port, user: 'root', identityFiles: [env.keyFile], knownHostsFiles: [], labels: {}, vars: {}, groups: [] };
  const conn = await createSshTransport().connect(host, { connectTimeoutMs: 60_000, hostKeyPolicy: 'off', knownHosts: env.knownHosts, credentials: fleetCredentials });
  return () => conn.close();
};
// One cache for the whole run, as a Fleet has: the key is parsed once.
const fleetCredentials = createCredentialCache();

const VARIANTS: Record<string, Variant> = {
  'ssh2-plain': plain({}),
  '+nodelay': plain({ noDelay: true }),
  '+no-none': plain({ noDelay: true, noNone: 'parsed' }),
  '+direct-sign': plain({ noDelay: true, noNone: 'parsed', direct: true }),
  '+key-cache': plain({ noDelay: true, noNone: 'cached', direct: true }),
  fleet: fleetVariant,
};

function closeClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    client.once('close', () => resolve());
    client.end();
  });
}

async function round(variant: Variant, targets: Target[], env: Env): Promise<{ times: number[]; wallMs: number; cpuMs: number }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const results = await Promise.all(
    targets.map(async (t) => {
      const start = performance.now();
      const close = await variant(t, env);
      return { ms: performance.now() - start, close };
    }),
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(results.map((r) => r.close()));
  return { times: results.map((r) => r.ms), wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const median = (xs: number[]): number => quantile(xs, 0.5);

async function main(): Promise<void> {
  const hosts = Number(arg('hosts', '100'));
  const rounds = Number(arg('rounds', '5'));
  const rtt = Number(arg('rtt', '0'));
  const names = arg('variants', Object.keys(VARIANTS).join(',')).split(',');
  const lab = await startLab({ hosts, name: 'handshake-ab' });
  let proxies: Awaited<ReturnType<typeof startLatencyProxies>> | undefined;
  try {
    let targets: Target[] = lab.hosts.map((h) => ({ name: h.name, host: h.address, port: h.port }));
    if (rtt > 0) {
      proxies = await startLatencyProxies({ targets, rttMs: rtt });
      targets = proxies.hosts.map((h) => ({ name: h.name, host: h.proxy.host, port: h.proxy.port }));
    }
    const keyText = readFileSync(lab.keyFile, 'utf8');
    const parsed = ssh2.utils.parseKey(keyText);
    if (parsed instanceof Error) throw parsed;
    const env: Env = {
      keyFile: lab.keyFile,
      keyText,
      parsedOnce: (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey,
      cachedKey: (await new SshCredentialCache().keyFromFile(lab.keyFile)).parsed,
      knownHosts: await loadKnownHosts({ files: [lab.knownHostsFile], globalFiles: [], writeFile: null }),
    };
    await round(VARIANTS['fleet'] as Variant, targets, env); // warm-up: JIT, sshd page cache
    const stats = new Map<string, { med: number[]; p90: number[]; wall: number[]; cpu: number[] }>(names.map((n) => [n, { med: [], p90: [], wall: [], cpu: [] }]));
    for (let r = 0; r < rounds; r += 1) {
      // Rotate the order each round so no variant always runs first (or right after another).
      const order = names.map((_, i) => names[(i + r) % names.length] as string);
      for (const name of order) {
        const { times, wallMs, cpuMs } = await round(VARIANTS[name] as Variant, targets, env);
        const s = stats.get(name);
        s?.med.push(median(times));
        s?.p90.push(quantile(times, 0.9));
        s?.wall.push(wallMs);
        s?.cpu.push(cpuMs);
      }
    }
    process.stdout.write(`hosts=${hosts} rounds=${rounds} rtt=${rtt}ms (medians over rounds)\n`);
    process.stdout.write(`${'variant'.padEnd(14)} ${'per-host median'.padStart(16)} ${'per-host p90'.padStart(13)} ${'wall (all hosts)'.padStart(17)} ${'client CPU'.padStart(11)}\n`);
    for (const [name, s] of stats) {
      const f = (x: number) => `${x.toFixed(1)} ms`;
      process.stdout.write(`${name.padEnd(14)} ${f(median(s.med)).padStart(16)} ${f(median(s.p90)).padStart(13)} ${f(median(s.wall)).padStart(17)} ${f(median(s.cpu)).padStart(11)}\n`);
    }
  } finally {
    await proxies?.close();
    await lab.stop();
  }
}

await main();
