/**
 * Baseline: the ssh2 fan-out anyone would write in 30 lines. Connect, exec, collect, print
 * `host: line`; host keys checked with a hostVerifier against known_hosts. No tuning: default
 * algorithms, no authHandler, no TCP_NODELAY, the key text handed to every connect().
 * Self-contained (ssh2 and node: only): the bench transpiles it and runs it with plain node.
 *
 *   node ssh2-fanout.mjs HOSTS.json COMMAND [FORKS] [STEPS]
 *
 * STEPS > 1: connect every host once, then run COMMAND STEPS times, all hosts finishing each
 * step before the next starts (what `fleet run` does with gate: all), then disconnect.
 */
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';

interface HostsFile {
  user: string;
  keyFile: string;
  knownHostsFile: string;
  hosts: { name: string; address: string; port: number }[];
}
type Host = HostsFile['hosts'][number];

const [hostsPath = '', command = 'true', forksArg = '50', stepsArg = '1'] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(hostsPath, 'utf8')) as HostsFile;
const privateKey = readFileSync(cfg.keyFile);
const known = new Map<string, Buffer[]>();
for (const line of readFileSync(cfg.knownHostsFile, 'utf8').split('\n')) {
  const [names = '', , blob] = line.trim().split(/\s+/);
  if (blob === undefined || names.startsWith('#') || names.startsWith('@')) continue;
  for (const n of names.split(',')) known.set(n, [...(known.get(n) ?? []), Buffer.from(blob, 'base64')]);
}

function connect(h: Host): Promise<ssh2.Client> {
  const id = h.port === 22 ? h.address : `[${h.address}]:${h.port}`;
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    conn.on('ready', () => resolve(conn)).on('error', reject);
    conn.connect({
      host: h.address,
      port: h.port,
      username: cfg.user,
      privateKey,
      readyTimeout: 60_000,
      hostVerifier: (key: Buffer) => (known.get(id) ?? []).some((k) => k.equals(key)),
    });
  });
}

function exec(conn: ssh2.Client, cmd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    conn.exec(cmd, (err, stream) => {
      if (err) return reject(err);
      let out = '';
      stream.on('data', (d: Buffer) => (out += d));
      stream.stderr.on('data', (d: Buffer) => process.stderr.write(d));
      stream.on('close', (code: number | null) => resolve({ code: code ?? 255, out }));
    });
  });
}

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

let failed = 0;
const report = (h: Host, r: { code: number; out: string }): void => {
  for (const line of r.out.split('\n')) if (line !== '') process.stdout.write(`${h.name}: ${line}\n`);
  if (r.code !== 0) failed += 1;
};
const fail = (h: Host, e: unknown): void => {
  failed += 1;
  process.stderr.write(`${h.name}: ${e instanceof Error ? e.message : String(e)}\n`);
};

const forks = Number(forksArg);
const steps = Number(stepsArg);
if (steps <= 1) {
  await pool(cfg.hosts, forks, async (h) => {
    try {
      const conn = await connect(h);
      report(h, await exec(conn, command));
      conn.end();
    } catch (e) {
      fail(h, e);
    }
  });
} else {
  const open = new Map<Host, ssh2.Client>();
  await pool(cfg.hosts, forks, async (h) => {
    try {
      open.set(h, await connect(h));
    } catch (e) {
      fail(h, e);
    }
  });
  for (let i = 0; i < steps; i += 1) {
    await Promise.all(
      [...open].map(([h, conn]) => exec(conn, command).then((r) => report(h, r), (e: unknown) => fail(h, e))),
    );
  }
  for (const conn of open.values()) conn.end();
}
process.exitCode = failed === 0 ? 0 : 1;
