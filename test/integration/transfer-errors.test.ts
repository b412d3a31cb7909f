/**
 * Transfer failures, each a clear per-host error with the exit codes of DESIGN §2 (2 before any
 * connection, 3 for a host whose transfer failed), and nothing half-written left behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openFleet, type Fleet } from '../../src/fleet.js';
import { loadInventory } from '../../src/inventory/index.js';
import { startSshdContainers, type SshdContainers } from '../setup/containers.js';
import { runCli } from '../support/cli.js';
import { remoteListing, stdoutByHost } from '../support/transfer-fleet.js';

interface JsonDoc {
  hosts: { host: string; status: string; error: { code: string; message: string } | null }[];
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('transfer errors', () => {
  const sshd = inject('sshd');
  let dir: string;
  let small: SshdContainers;
  let fleet: Fleet;
  const cli = (args: string[], inventory = sshd.inventoryFile) => runCli([...args, '-i', inventory, '--ssh-config', '/dev/null']);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-transfer-err-'));
    // A host with a 4 MiB disk at /mnt/small.
    small = await startSshdContainers(1, { names: ['small'], build: false, tmpfs: { '/mnt/small': 'rw,size=4m' } });
    fleet = openFleet({ inventory: await loadInventory(small.inventoryFile, { sshConfig: false }) });
  });

  afterAll(async () => {
    await fleet?.close();
    await small?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 before connecting for a missing local file, a directory without -r, or a bad --mode', async () => {
    // The only host is unreachable: any connection attempt would show in the jsonl stream.
    const inventory = join(dir, 'dead.yaml');
    writeFileSync(inventory, `hosts:\n  dead: {host: 127.0.0.1, port: ${await closedPort()}}\n`);
    const missing = await cli(['put', join(dir, 'nope.txt'), '/tmp/x', '--output', 'jsonl'], inventory);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('cannot read local source');
    mkdirSync(join(dir, 'adir'));
    const directory = await cli(['put', join(dir, 'adir'), '/tmp/x', '--output', 'jsonl'], inventory);
    expect(directory.code).toBe(2);
    expect(directory.stdout).toBe('');
    expect(directory.stderr).toContain('is a directory (use -r');
    writeFileSync(join(dir, 'f.txt'), 'x');
    expect((await cli(['put', join(dir, 'f.txt'), '/tmp/x', '--mode', 'rwx'], inventory)).code).toBe(2);
    expect((await cli(['put', join(dir, 'f.txt')], inventory)).code).toBe(2);
  });

  it('names the host and path when the remote user may not write there (exit 3), leaving nothing', async () => {
    writeFileSync(join(dir, 'p.txt'), 'data');
    const run = await cli(['put', join(dir, 'p.txt'), '/root/denied/p.txt', '-u', 'tester', '-l', 'c1', '--output', 'json']);
    expect(run.code).toBe(3);
    const doc = JSON.parse(run.stdout) as JsonDoc;
    expect(doc.hosts[0]).toMatchObject({ host: 'c1', status: 'error', error: { code: 'FLEET_SFTP_PERMISSION_DENIED' } });
    expect(doc.hosts[0]?.error?.message).toContain('c1');
    expect(doc.hosts[0]?.error?.message).toContain('/root/denied');
    await using root = openFleet({ inventory: await loadInventory(sshd.inventoryFile, { sshConfig: false }), limit: 'c1' });
    expect((await stdoutByHost(root, 'ls -A /root'))['c1']).not.toContain('denied');
  });

  it('reports a full remote disk as FLEET_SFTP_NO_SPACE, removes the temp and keeps the old file', async () => {
    await stdoutByHost(fleet, 'echo old > /mnt/small/target.bin');
    const local = join(dir, 'big.bin');
    writeFileSync(local, randomBytes(16 * 1024 * 1024));
    const run = await cli(['put', local, '/mnt/small/target.bin', '--output', 'json'], small.inventoryFile);
    expect(run.code).toBe(3);
    const doc = JSON.parse(run.stdout) as JsonDoc;
    expect(doc.hosts[0]?.error?.code).toBe('FLEET_SFTP_NO_SPACE');
    expect(doc.hosts[0]?.error?.message).toMatch(/no space left .* \/mnt\/small/);
    expect((await remoteListing(fleet, '/mnt/small'))['small']).toEqual(['target.bin']);
    expect((await stdoutByHost(fleet, 'cat /mnt/small/target.bin'))['small']).toBe('old\n');
  });

  it('creates remote directories as needed, and refuses several sources onto a file', async () => {
    writeFileSync(join(dir, 'a.txt'), 'a');
    writeFileSync(join(dir, 'b.txt'), 'b');
    const report = await fleet.put(join(dir, 'a.txt'), '/tmp/new/deep/path/a.txt');
    expect(report.summary.ok).toBe(1);
    expect((await stdoutByHost(fleet, 'cat /tmp/new/deep/path/a.txt'))['small']).toBe('a');
    const onto = await fleet.put([join(dir, 'a.txt'), join(dir, 'b.txt')], '/tmp/new/deep/path/a.txt');
    expect(onto.results[0]?.error?.code).toBe('FLEET_SFTP_FAILURE');
    const into = await fleet.put([join(dir, 'a.txt'), join(dir, 'b.txt')], '/tmp/new/two');
    expect(into.summary.ok).toBe(1);
    expect((await remoteListing(fleet, '/tmp/new/two'))['small']).toEqual(['a.txt', 'b.txt']);
  });

  it('falls back to checking sizes, with a warning, on a host without sha256sum', async () => {
    await stdoutByHost(fleet, 'mv /usr/bin/sha256sum /usr/bin/sha256sum.off');
    try {
      writeFileSync(join(dir, 's.txt'), 'size only');
      const run = await cli(['put', join(dir, 's.txt'), '/tmp/s.txt'], small.inventoryFile);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('warning: small: neither openssl nor sha256sum found on the host: files were verified by size only');
      const report = await fleet.put(join(dir, 's.txt'), '/tmp/s.txt');
      expect(report.results[0]?.ok && report.results[0].value.verified).toBe('size');
      expect(readFileSync(join(dir, 's.txt'), 'utf8')).toBe('size only');
    } finally {
      await stdoutByHost(fleet, 'mv /usr/bin/sha256sum.off /usr/bin/sha256sum');
    }
  });
});
