/**
 * Baseline: transfers with ssh2-sftp-client, as its README shows them: fastPut / fastGet per host,
 * all hosts at once (up to FORKS). With VERIFY=1, put compares the remote `sha256sum` with the
 * local file's sha256 (computed once), and get hashes each downloaded copy likewise.
 * Self-contained; the bench transpiles it and runs it with plain node.
 *
 *   node sftp-transfer.mjs HOSTS.json put LOCAL REMOTE FORKS VERIFY
 *   node sftp-transfer.mjs HOSTS.json get REMOTE LOCALDIR FORKS VERIFY   (LOCALDIR/<host>/<name>)
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Client } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';

interface HostsFile {
  user: string;
  keyFile: string;
  knownHostsFile: string;
  hosts: { name: string; address: string; port: number }[];
}
type Host = HostsFile['hosts'][number];

const [hostsPath = '', mode = 'put', from = '', to = '', forksArg = '20', verifyArg = '0'] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(hostsPath, 'utf8')) as HostsFile;
const privateKey = readFileSync(cfg.keyFile);
const verify = verifyArg === '1';
const known = new Map<string, Buffer[]>();
for (const line of readFileSync(cfg.knownHostsFile, 'utf8').split('\n')) {
  const [names = '', , blob] = line.trim().split(/\s+/);
  if (blob === undefined || names.startsWith('#') || names.startsWith('@')) continue;
  for (const n of names.split(',')) known.set(n, [...(known.get(n) ?? []), Buffer.from(blob, 'base64')]);
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

function remoteSha256(ssh: Client, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ssh.exec(`sha256sum ${path}`, (err, stream) => {
      if (err) return reject(err);
      let out = '';
      stream.on('data', (d: Buffer) => (out += d)).stderr.on('data', () => undefined);
      stream.on('close', () => resolve(out.split(' ')[0] ?? ''));
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

const localHash = mode === 'put' && verify ? sha256File(from) : undefined;
let failed = 0;
await pool(cfg.hosts, Number(forksArg), async (h: Host) => {
  const sftp = new SftpClient();
  const id = h.port === 22 ? h.address : `[${h.address}]:${h.port}`;
  try {
    await sftp.connect({
      host: h.address,
      port: h.port,
      username: cfg.user,
      privateKey,
      readyTimeout: 60_000,
      hostVerifier: (key: Buffer) => (known.get(id) ?? []).some((k) => k.equals(key)),
    });
    const ssh = (sftp as unknown as { client: Client }).client;
    if (mode === 'put') {
      await sftp.fastPut(from, to);
      if (verify && (await remoteSha256(ssh, to)) !== (await localHash)) throw new Error('sha256 mismatch');
    } else {
      mkdirSync(join(to, h.name), { recursive: true });
      const local = join(to, h.name, basename(from));
      await sftp.fastGet(from, local);
      if (verify && (await remoteSha256(ssh, from)) !== (await sha256File(local))) throw new Error('sha256 mismatch');
    }
    process.stdout.write(`${h.name}: ok\n`);
  } catch (e) {
    failed += 1;
    process.stderr.write(`${h.name}: ${e instanceof Error ? e.message : String(e)}\n`);
  } finally {
    await sftp.end().catch(() => undefined);
  }
});
process.exitCode = failed === 0 ? 0 : 1;
