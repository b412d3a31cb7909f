/**
 * `fleet get` against servers that lie: a real in-process SSH/SFTP server (test/support) whose
 * listings carry hostile names and symlinks, whose reads return other bytes than the file holds
 * and whose writes store other bytes than sent; and a real container whose directory holds a
 * symlink to /etc. Every test ends by listing the whole sandbox: a single file written outside
 * LOCALDIR/<host>/ fails it.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Fleet } from '../../src/fleet.js';
import { openFleet } from '../../src/fleet.js';
import { loadInventory } from '../../src/inventory/index.js';
import type { RunReport, TransferOutput } from '../../src/result.js';
import { fixtureKeyPath } from '../setup/keys.js';
import { runCli } from '../support/cli.js';
import { startSftpTestServer, type SftpServerHooks, type SftpTestServer } from '../support/sftp-test-server.js';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Every path below `root`, relative, sorted (symlinks not followed). */
function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      out.push(relative(root, path));
      if (lstatSync(path).isDirectory()) walk(path);
    }
  };
  walk(root);
  return out.sort();
}

function errorOf(report: RunReport<TransferOutput>): { code: string; message: string } | undefined {
  const result = report.results[0];
  return result?.error ? { code: result.error.code, message: result.error.message } : undefined;
}

describe('fleet get from a hostile SFTP server', () => {
  let sandbox: string;
  let remote: string;
  let server: SftpTestServer;
  let fleet: Fleet;
  let inventoryFile: string;
  // Switched per test: the server's misbehaviour.
  const hooks: SftpServerHooks = {};
  const etcPasswd = { mtimeMs: 0, sha: '' };

  beforeAll(async () => {
    sandbox = mkdtempSync(join(tmpdir(), 'fleet-hostile-'));
    remote = join(sandbox, 'remote');
    mkdirSync(remote);
    server = await startSftpTestServer({
      extraEntries: (path) => hooks.extraEntries?.(path) ?? [],
      readlink: (path) => hooks.readlink?.(path),
      onRead: (path, data, offset) => (hooks.onRead ? hooks.onRead(path, data, offset) : data),
      onWrite: (path, data, offset) => (hooks.onWrite ? hooks.onWrite(path, data, offset) : data),
    });
    const knownHosts = join(sandbox, 'known_hosts');
    writeFileSync(knownHosts, `${server.knownHostsLine}\n`);
    inventoryFile = join(sandbox, 'inventory.yaml');
    server.writeInventory(inventoryFile, 'evil', fixtureKeyPath('id_ed25519'), knownHosts);
    fleet = openFleet({ inventory: await loadInventory(inventoryFile, { sshConfig: false }) });
    etcPasswd.mtimeMs = statSync('/etc/passwd').mtimeMs;
    etcPasswd.sha = sha256(readFileSync('/etc/passwd'));
  });

  afterAll(async () => {
    await fleet?.close();
    await server?.close();
    // Nothing reached /etc, whatever the server tried.
    expect(statSync('/etc/passwd').mtimeMs).toBe(etcPasswd.mtimeMs);
    expect(sha256(readFileSync('/etc/passwd'))).toBe(etcPasswd.sha);
    rmSync(sandbox, { recursive: true, force: true });
  });

  const cases: [string, string][] = [
    ['parent', '../escaped'],
    ['grandparent', '../../escaped'],
    ['absolute', join(tmpdir(), 'fleet-hostile-escaped')],
    ['nested', 'sub/../../escaped'],
    ['slash', 'a/b'],
    ['nul', 'nul\u0000escaped'],
  ];
  it.each(cases)('refuses a listed name that would escape (%s) and writes nothing outside LOCALDIR/<host>/', async (label, name) => {
    const dir = join(remote, `case-${label}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'ok.txt'), 'fine');
    hooks.extraEntries = (path) => (path === dir ? [{ filename: name, kind: 'file', size: 4 }] : []);
    const out = join(sandbox, `out-${label}`);
    try {
      const report = await fleet.get(dir, out, { recursive: true });
      expect(report.summary.error).toBe(1);
      expect(errorOf(report)?.code).toBe('FLEET_UNSAFE_PATH');
      expect(errorOf(report)?.message).toContain(JSON.stringify(name));
    } finally {
      hooks.extraEntries = undefined;
    }
    // Only LOCALDIR/<host>/ and the directory it was creating exist; no file escaped anywhere.
    expect(listTree(out)).toEqual(['evil']);
    expect(listTree(sandbox).filter((p) => p.includes('escaped'))).toEqual([]);
    expect(() => statSync(join(tmpdir(), 'fleet-hostile-escaped'))).toThrow();
  });

  it('recreates a symlink to /etc as a link, and a later get cannot write through it', async () => {
    // First server: `tree/etc` is a symlink to /etc.
    const first = join(remote, 'one', 'tree');
    mkdirSync(first, { recursive: true });
    writeFileSync(join(first, 'ok.txt'), 'fine');
    hooks.extraEntries = (path) => (path === first ? [{ filename: 'etc', kind: 'symlink' }] : []);
    hooks.readlink = (path) => (path === join(first, 'etc') ? '/etc' : undefined);
    const out = join(sandbox, 'out-link');
    try {
      const report = await fleet.get(first, out, { recursive: true });
      expect(report.summary.ok).toBe(1);
    } finally {
      hooks.extraEntries = undefined;
      hooks.readlink = undefined;
    }
    expect(readlinkSync(join(out, 'evil', 'tree', 'etc'))).toBe('/etc');
    expect(listTree(out)).toEqual(['evil', 'evil/tree', 'evil/tree/etc', 'evil/tree/ok.txt']);

    // Second server: same tree name, where `etc` is now a directory holding `passwd`.
    const second = join(remote, 'two', 'tree');
    mkdirSync(join(second, 'etc'), { recursive: true });
    writeFileSync(join(second, 'etc', 'passwd'), 'pwned:x:0:0::/:/bin/sh\n');
    const report = await fleet.get(second, out, { recursive: true });
    expect(errorOf(report)?.code).toBe('FLEET_UNSAFE_PATH');
    expect(lstatSync(join(out, 'evil', 'tree', 'etc')).isSymbolicLink()).toBe(true);
    expect(listTree(out)).toEqual(['evil', 'evil/tree', 'evil/tree/etc', 'evil/tree/ok.txt']);
  });

  it('never follows or replaces a local symlink in place of the file or of LOCALDIR/<host>', async () => {
    writeFileSync(join(remote, 'file.txt'), 'remote data');
    const out = join(sandbox, 'out-planted');
    mkdirSync(join(out, 'evil'), { recursive: true });
    const outside = join(sandbox, 'outside.txt');
    symlinkSync(outside, join(out, 'evil', 'file.txt'));
    const report = await fleet.get(join(remote, 'file.txt'), out);
    expect(errorOf(report)?.code).toBe('FLEET_UNSAFE_PATH');
    expect(() => lstatSync(outside)).toThrow();
    expect(readlinkSync(join(out, 'evil', 'file.txt'))).toBe(outside);
    expect(listTree(out)).toEqual(['evil', 'evil/file.txt']);

    const out2 = join(sandbox, 'out-hostdir');
    const elsewhere = join(sandbox, 'elsewhere');
    mkdirSync(out2);
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(out2, 'evil'));
    const run = await runCli(['get', join(remote, 'file.txt'), out2, '-i', inventoryFile, '--ssh-config', '/dev/null']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('FLEET_UNSAFE_PATH');
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('detects a remote file that changes under the download and keeps nothing of it', async () => {
    const path = join(remote, 'changing.bin');
    writeFileSync(path, Buffer.alloc(300_000, 1));
    // The bytes served differ from the file the host hashes: what a file changing mid-transfer looks like.
    hooks.onRead = (p, data, offset) => (p === path && offset === 0 ? Buffer.concat([Buffer.from([2]), data.subarray(1)]) : data);
    const out = join(sandbox, 'out-changing');
    try {
      const report = await fleet.get(path, out);
      expect(errorOf(report)?.code).toBe('FLEET_CHECKSUM_MISMATCH');
    } finally {
      hooks.onRead = undefined;
    }
    expect(listTree(out)).toEqual(['evil']);
    // With --no-verify the same download is kept (what verification protects against).
    const unverified = await fleet.get(path, out, { verify: false });
    expect(unverified.summary.ok).toBe(1);
  });

  it('put: a server that stores other bytes than sent fails verification, leaving the old target and no temp', async () => {
    const dir = join(remote, 'baddisk');
    mkdirSync(dir);
    writeFileSync(join(dir, 'target.bin'), 'old version');
    const local = join(sandbox, 'new.bin');
    writeFileSync(local, Buffer.alloc(200_000, 7));
    hooks.onWrite = (p, data, offset) => (p.startsWith(dir) && offset === 0 ? Buffer.concat([Buffer.from([8]), data.subarray(1)]) : data);
    try {
      const report = await fleet.put(local, join(dir, 'target.bin'));
      expect(errorOf(report)?.code).toBe('FLEET_CHECKSUM_MISMATCH');
    } finally {
      hooks.onWrite = undefined;
    }
    expect(readFileSync(join(dir, 'target.bin'), 'utf8')).toBe('old version');
    expect(readdirSync(dir)).toEqual(['target.bin']);
    // A healthy disk: the put replaces the target (this server has no posix-rename: the fallback path).
    const report = await fleet.put(local, join(dir, 'target.bin'));
    expect(report.summary.ok).toBe(1);
    expect(sha256(readFileSync(join(dir, 'target.bin')))).toBe(sha256(readFileSync(local)));
    expect(readdirSync(dir)).toEqual(['target.bin']);
  });
});

describe('fleet get from a container whose directory holds a symlink to /etc', () => {
  const sshd = inject('sshd');
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'fleet-get-etc-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('keeps the link as a link: nothing of /etc is fetched, nothing written through it', async () => {
    const inventory = await loadInventory(sshd.inventoryFile, { sshConfig: false });
    await using fleet = openFleet({ inventory, limit: 'c1' });
    const setup = await fleet.exec('rm -rf /tmp/hostile && mkdir /tmp/hostile && ln -s /etc /tmp/hostile/etc && echo data > /tmp/hostile/f');
    expect(setup.summary.ok).toBe(1);
    for (let round = 0; round < 2; round += 1) {
      // Twice: the second get finds its own link in place and leaves it.
      const report = await fleet.get('/tmp/hostile', out, { recursive: true });
      expect(report.summary.ok).toBe(1);
      expect(report.results[0]?.ok && report.results[0].value.files).toBe(1);
    }
    expect(listTree(out)).toEqual(['c1', 'c1/hostile', 'c1/hostile/etc', 'c1/hostile/f']);
    expect(readlinkSync(join(out, 'c1', 'hostile', 'etc'))).toBe('/etc');
    expect(readFileSync(join(out, 'c1', 'hostile', 'f'), 'utf8')).toBe('data\n');
  });
});
