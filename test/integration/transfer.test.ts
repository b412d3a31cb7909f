/**
 * `fleet put` / `fleet get` against real OpenSSH: the three integration containers plus two of
 * this file's own (c4, c5), so the destructive tests (killing sftp-server) touch only those.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FleetEvent } from '../../src/events.js';
import { openFleet, type Fleet } from '../../src/fleet.js';
import { loadInventory } from '../../src/inventory/index.js';
import { startSshdContainers, type SshdContainers } from '../setup/containers.js';
import { runCli } from '../support/cli.js';
import { combinedInventory, remoteListing, stdoutByHost } from '../support/transfer-fleet.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const ALL = ['c1', 'c2', 'c3', 'c4', 'c5'];
const MiB = 1024 * 1024;

describe('fleet put / get on real sshd', () => {
  const sshd = inject('sshd');
  let extra: SshdContainers;
  let dir: string;
  let inventoryFile: string;
  let fleet: Fleet;
  let big: { path: string; sha: string };

  beforeAll(async () => {
    extra = await startSshdContainers(2, { names: ['c4', 'c5'], build: false });
    dir = mkdtempSync(join(tmpdir(), 'fleet-transfer-'));
    inventoryFile = combinedInventory(dir, [sshd, extra]);
    fleet = openFleet({ inventory: await loadInventory(inventoryFile, { sshConfig: false }) });
    const data = randomBytes(64 * MiB);
    big = { path: join(dir, 'big.bin'), sha: sha256(data) };
    writeFileSync(big.path, data);
  });

  afterAll(async () => {
    await fleet?.close();
    await extra?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('puts 64 MiB to five hosts, each copy verified and checked here with sha256sum', async () => {
    const events: FleetEvent[] = [];
    const report = await fleet.put(big.path, '/tmp/put-big/big.bin', { onEvent: (e) => events.push(e) });
    expect(report.summary).toMatchObject({ total: 5, ok: 5 });
    for (const result of report.results) {
      expect(result.ok && result.value).toMatchObject({ files: 1, bytes: 64 * MiB, unchanged: 0, verified: 'sha256', sha256: { '/tmp/put-big/big.bin': big.sha } });
    }
    const sums = await stdoutByHost(fleet, 'sha256sum /tmp/put-big/big.bin');
    for (const host of ALL) expect(sums[host]?.split(' ')[0]).toBe(big.sha);
    // The temp was renamed away: only the target is there.
    for (const host of ALL) expect((await remoteListing(fleet, '/tmp/put-big'))[host]).toEqual(['big.bin']);
    // Progress: every host reported, and its last event says all bytes of its one file.
    for (const host of ALL) {
      const last = events.filter((e) => e.type === 'transfer_progress' && e.host === host).at(-1);
      expect(last).toMatchObject({ bytes: 64 * MiB, totalBytes: 64 * MiB, files: 1, totalFiles: 1 });
    }
  });

  it('put -r keeps the tree: nested directories, modes, a symlink as a link', async () => {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'sub', 'deep'), { recursive: true });
    writeFileSync(join(tree, 'secret.txt'), 'secret\n');
    chmodSync(join(tree, 'secret.txt'), 0o600);
    writeFileSync(join(tree, 'sub', 'run.sh'), '#!/bin/sh\necho run\n');
    chmodSync(join(tree, 'sub', 'run.sh'), 0o755);
    writeFileSync(join(tree, 'sub', 'deep', 'data.bin'), randomBytes(3 * MiB));
    symlinkSync('sub/run.sh', join(tree, 'link'));
    chmodSync(join(tree, 'sub'), 0o750);
    const report = await fleet.put(tree, '/tmp/put-tree/', { recursive: true, limit: 'c1,c4' });
    expect(report.summary).toMatchObject({ total: 2, ok: 2 });
    expect(report.results[0]?.ok && report.results[0].value.files).toBe(3);
    const listing = await stdoutByHost(fleet, 'cd /tmp/put-tree && find tree -printf "%p %y %m %l\\n" | sort && sha256sum tree/sub/deep/data.bin', 'c1,c4');
    const expected = [
      'tree d 755 ',
      'tree/link l 777 sub/run.sh',
      'tree/secret.txt f 600 ',
      'tree/sub d 750 ',
      'tree/sub/deep d 755 ',
      'tree/sub/deep/data.bin f 644 ',
      'tree/sub/run.sh f 755 ',
      `${sha256(readFileSync(join(tree, 'sub', 'deep', 'data.bin')))}  tree/sub/deep/data.bin`,
    ];
    for (const host of ['c1', 'c4']) expect(listing[host]?.trimEnd().split('\n')).toEqual(expected);
  });

  it('an interrupted put leaves the old target intact and no temp file', async () => {
    await stdoutByHost(fleet, 'mkdir -p /tmp/put-int && echo old > /tmp/put-int/target.bin', 'c4');
    const controller = new AbortController();
    let abortedAt: number | undefined;
    const report = await fleet.put(big.path, '/tmp/put-int/target.bin', {
      limit: 'c4',
      signal: controller.signal,
      onEvent: (e) => {
        // Mid-transfer: some bytes acknowledged, not all.
        if (e.type === 'transfer_progress' && e.bytes > 0 && abortedAt === undefined) {
          abortedAt = e.bytes;
          controller.abort();
        }
      },
    });
    expect(abortedAt).toBeLessThan(64 * MiB);
    expect(report.summary.interrupted).toBe(1);
    expect((await stdoutByHost(fleet, 'cat /tmp/put-int/target.bin', 'c4'))['c4']).toBe('old\n');
    expect((await remoteListing(fleet, '/tmp/put-int', 'c4'))['c4']).toEqual(['target.bin']);
  });

  it('a put whose SFTP server is killed mid-way fails the host, keeps the old target and removes its temp', async () => {
    await stdoutByHost(fleet, 'mkdir -p /tmp/put-kill && echo old > /tmp/put-kill/target.bin', 'c5');
    await using killer = openFleet({ inventory: await loadInventory(inventoryFile, { sshConfig: false }), limit: 'c5' });
    let kill: Promise<unknown> | undefined;
    const report = await fleet.put(big.path, '/tmp/put-kill/target.bin', {
      limit: 'c5',
      onEvent: (e) => {
        if (e.type === 'transfer_progress' && e.bytes > 0) kill ??= killer.exec('pkill -x sftp-server');
      },
    });
    await kill;
    const result = report.results[0];
    expect(result?.ok).toBe(false);
    if (result?.error) expect(result.error.code).toMatch(/^FLEET_(SFTP_FAILURE|CONNECTION_LOST)$/);
    expect((await stdoutByHost(fleet, 'cat /tmp/put-kill/target.bin', 'c5'))['c5']).toBe('old\n');
    expect((await remoteListing(fleet, '/tmp/put-kill', 'c5'))['c5']).toEqual(['target.bin']);
  });

  it('--skip-unchanged sends nothing the second time, and only to hosts whose copy changed', async () => {
    const file = join(dir, 'skip.bin');
    writeFileSync(file, randomBytes(2 * MiB));
    const first = await fleet.put(file, '/tmp/put-skip/skip.bin', { skipUnchanged: true });
    expect(first.summary.ok).toBe(5);
    await stdoutByHost(fleet, 'echo changed >> /tmp/put-skip/skip.bin', 'c2');
    const events: FleetEvent[] = [];
    const second = await fleet.put(file, '/tmp/put-skip/skip.bin', { skipUnchanged: true, onEvent: (e) => events.push(e) });
    expect(second.results.map((r) => [r.host, r.ok && r.value.bytes, r.ok && r.value.unchanged])).toEqual([
      ['c1', 0, 1],
      ['c2', 2 * MiB, 0],
      ['c3', 0, 1],
      ['c4', 0, 1],
      ['c5', 0, 1],
    ]);
    expect(second.summary).toMatchObject({ unchanged: 4, ok: 1 });
    const sent = events.flatMap((e) => (e.type === 'transfer_progress' ? [[e.host, e.bytes] as const] : []));
    expect(sent.filter(([host, bytes]) => host !== 'c2' && bytes > 0)).toEqual([]);
    const sums = await stdoutByHost(fleet, 'sha256sum /tmp/put-skip/skip.bin');
    for (const host of ALL) expect(sums[host]?.split(' ')[0]).toBe(sha256(readFileSync(file)));
  });

  it('gets one file from every host into LOCALDIR/<host>/, verified', async () => {
    const expected = await stdoutByHost(fleet, 'mkdir -p /tmp/get && (uname -n; head -c 3000000 /dev/urandom) > /tmp/get/data.bin && sha256sum /tmp/get/data.bin');
    const out = join(dir, 'got');
    const report = await fleet.get('/tmp/get/data.bin', out);
    expect(report.summary.ok).toBe(5);
    expect(readdirSync(out).sort()).toEqual(ALL);
    for (const host of ALL) {
      const local = join(out, host, 'data.bin');
      const want = expected[host]?.split(' ')[0];
      expect(sha256(readFileSync(local))).toBe(want);
      expect(readFileSync(local).subarray(0, host.length + 1).toString()).toBe(`${host}\n`);
      expect(readdirSync(join(out, host))).toEqual(['data.bin']);
      const result = report.results.find((r) => r.host === host);
      expect(result?.ok && result.value.sha256).toEqual({ [local]: want });
    }
  });

  it('gets a tree with -r (CLI), and refuses a directory without -r (exit 3)', async () => {
    await stdoutByHost(fleet, 'rm -rf /tmp/gtree && mkdir -p /tmp/gtree/a/b && echo x > /tmp/gtree/a/b/x.txt && chmod 640 /tmp/gtree/a/b/x.txt && ln -s a/b/x.txt /tmp/gtree/l', 'c1,c3');
    const out = join(dir, 'gtree');
    const run = await runCli(['get', '-r', '/tmp/gtree', out, '-i', inventoryFile, '-l', 'c1,c3', '--ssh-config', '/dev/null']);
    expect(run.code).toBe(0);
    for (const host of ['c1', 'c3']) {
      expect(readFileSync(join(out, host, 'gtree', 'a', 'b', 'x.txt'), 'utf8')).toBe('x\n');
      expect(readdirSync(join(out, host, 'gtree')).sort()).toEqual(['a', 'l']);
    }
    const plain = await runCli(['get', '/tmp/gtree', out, '-i', inventoryFile, '-l', 'c1', '--ssh-config', '/dev/null']);
    expect(plain.code).toBe(3);
    expect(plain.stderr).toContain('is a directory (use -r');
  });
});
