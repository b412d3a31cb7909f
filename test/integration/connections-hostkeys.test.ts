// Host keys against real OpenSSH: known_hosts forms (hashed, [host]:port, @revoked), changed keys
// under every policy, `fleet hostkeys scan|accept`, and accept-new under 50 parallel hosts (lab).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openFleet } from '../../src/fleet.js';
import { loadInventory } from '../../src/inventory/index.js';
import { StringSink } from '../../src/render/renderer.js';
import { startLab, type Lab } from '../lab/lab.js';
import { fixturePublicKey, imageKnownHostsLines } from '../setup/keys.js';
import { runCli } from '../support/cli.js';
import { logCount, ping, run, spec, tempDir } from './connections-support.js';

const sshd = inject('sshd');
const [c1, c2, c3] = sshd.containers as [(typeof sshd.containers)[0], (typeof sshd.containers)[0], (typeof sshd.containers)[0]];
const keyed = (c: typeof c1) => spec(c.name, c.host, c.port, { identityFiles: [sshd.keys.id_ed25519] });
const name = (c: typeof c1) => `[127.0.0.1]:${c.port}`;
const ED25519 = fixturePublicKey('ssh_host_ed25519_key');
// A well-formed ed25519 key that no container holds: pinned for a host, it reads as a changed key.
const OTHER = fixturePublicKey('id_ed25519_unauthorized');

const work = tempDir('fleet-hostkeys-');
afterAll(() => work.remove());
let n = 0;
function knownHosts(lines: string[]): string {
  const file = join(work.dir, `known_hosts_${(n += 1)}`);
  writeFileSync(file, lines.length > 0 ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
  return file;
}
const read = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('known_hosts forms', () => {
  it('matches hashed names written by ssh-keygen -H', async () => {
    const file = knownHosts(imageKnownHostsLines(c1.host, c1.port));
    await run('ssh-keygen', ['-H', '-f', file]);
    expect(readFileSync(file, 'utf8')).not.toContain('127.0.0.1');
    expect((await ping([keyed(c1)], { knownHostsFiles: [file] })).summary.ok).toBe(1);
  });

  it('looks up [127.0.0.1]:PORT: a line for plain 127.0.0.1 (port 22) does not vouch for another port', async () => {
    expect((await ping([keyed(c1)], { knownHostsFiles: [knownHosts([`${name(c1)} ${ED25519}`])] })).summary.ok).toBe(1);
    const report = await ping([keyed(c1)], { knownHostsFiles: [knownHosts([`127.0.0.1 ${ED25519}`])] });
    expect(report.results[0]).toMatchObject({ ok: false, error: { code: 'FLEET_HOSTKEY_UNKNOWN' } });
  });

  it('refuses a key marked @revoked, even when a plain line pins it too', async () => {
    const before = await logCount(c1.containerId, /Accepted publickey/);
    for (const lines of [[`@revoked ${name(c1)} ${ED25519}`], [`${name(c1)} ${ED25519}`, `@revoked * ${ED25519}`]]) {
      const report = await ping([keyed(c1)], { knownHostsFiles: [knownHosts(lines)], hostKeyPolicy: 'accept-new' });
      expect(report.summary.hostkey).toBe(1);
      expect(report.results[0]).toMatchObject({ ok: false, error: { code: 'FLEET_HOSTKEY_REVOKED' } });
    }
    expect(await logCount(c1.containerId, /Accepted publickey/)).toBe(before);
  });

  it('refuses a changed key under strict and accept-new, and writes nothing', async () => {
    const file = knownHosts([`${name(c1)} ${OTHER}`]);
    for (const hostKeyPolicy of ['strict', 'accept-new'] as const) {
      const report = await ping([keyed(c1)], { knownHostsFiles: [file], hostKeyPolicy });
      expect(report.results[0]).toMatchObject({ ok: false, error: { code: 'FLEET_HOSTKEY_CHANGED' } });
      const result = report.results[0];
      if (result?.error) expect(result.error.message).toContain(`ssh-keygen -R '${name(c1)}'`);
    }
    expect(read(file)).toEqual([`${name(c1)} ${OTHER}`]);
  });
});

describe('fleet hostkeys', () => {
  // c1 known, c2 unknown, c3 changed.
  const mixed = () => knownHosts([`${name(c1)} ${ED25519}`, `${name(c3)} ${OTHER}`]);
  const args = (sub: string, file: string, ...more: string[]) => ['hostkeys', sub, '-i', sshd.inventoryFile, '--ssh-config', '/dev/null', '--known-hosts', file, ...more];

  it('scan shows each key and its state without logging in; a changed key exits 3', async () => {
    const before = await Promise.all([c1, c2, c3].map((c) => logCount(c.containerId, /Accepted|Failed|Invalid user/)));
    const result = await runCli(args('scan', mixed()));
    expect(result.code).toBe(3);
    const rows = result.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    expect(rows.map((r) => [r[0], r[1], r[2], r[4]])).toEqual([
      ['c1', name(c1), 'ssh-ed25519', 'known'],
      ['c2', name(c2), 'ssh-ed25519', 'unknown'],
      ['c3', name(c3), 'ssh-ed25519', 'changed'],
    ]);
    expect(result.stderr).toContain('FLEET_HOSTKEY_CHANGED');
    expect(result.stderr).toContain(`ssh-keygen -R '${name(c3)}'`);
    const after = await Promise.all([c1, c2, c3].map((c) => logCount(c.containerId, /Accepted|Failed|Invalid user/)));
    expect(after).toEqual(before); // no authentication was attempted anywhere
  });

  it('accept without --yes needs a terminal: exit 2 before connecting', async () => {
    const file = mixed();
    const result = await runCli(args('accept', file));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--yes/);
    expect(result.stdout).toBe('');
  });

  it('accept --yes appends exactly the unknown key, never the changed one (json)', async () => {
    const file = mixed();
    const result = await runCli(args('accept', file, '--yes', '--output', 'json'));
    expect(result.code).toBe(3); // c3 stays refused
    const doc = JSON.parse(result.stdout) as { knownHosts: string; hosts: Array<{ host: string; state: string }> };
    expect(doc.knownHosts).toBe(file);
    expect(doc.hosts.map((h) => [h.host, h.state])).toEqual([
      ['c1', 'known'],
      ['c2', 'added'],
      ['c3', 'changed'],
    ]);
    expect(read(file)).toEqual([`${name(c1)} ${ED25519}`, `${name(c3)} ${OTHER}`, `${name(c2)} ${ED25519}`]);
    // The pinned key now works under strict checking.
    expect((await ping([keyed(c2)], { knownHostsFiles: [file] })).summary.ok).toBe(1);
  });

  it('accept on a terminal asks once for the batch; "n" writes nothing (exit 1), "y" writes', async () => {
    const file = knownHosts([]);
    const ask = async (answer: string) => {
      const stdin = Object.assign(new PassThrough(), { isTTY: true });
      const stdout = new StringSink();
      const stderr = new StringSink();
      const io = { stdout, stderr, stdin, env: { HOME: sshd.dir, PATH: process.env['PATH'] }, cwd: process.cwd() };
      const code = main(args('accept', file, '-l', 'c1,c2'), io);
      // Answer once the question is out, as a person would.
      const timer = setInterval(() => {
        if (stderr.text.includes('[y/N]')) {
          clearInterval(timer);
          stdin.end(answer);
        }
      }, 10);
      const result = { code: await code, stdout: stdout.text, stderr: stderr.text };
      clearInterval(timer);
      return result;
    };
    const no = await ask('n\n');
    expect(no.code).toBe(1);
    expect(no.stderr).toContain('Add 2 host keys to');
    expect(read(file)).toEqual([]);
    const yes = await ask('y\n');
    expect(yes.code).toBe(0);
    expect(yes.stderr).toContain(`added 2 host keys to ${file}`);
    expect(read(file).sort()).toEqual([`${name(c1)} ${ED25519}`, `${name(c2)} ${ED25519}`].sort());
  });
});

describe('accept-new under 50 parallel hosts', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ hosts: 50, name: 'connections-accept-new' });
  }, 120_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('writes exactly one line per host, even with two fleets racing on the same file', async () => {
    const file = knownHosts([]);
    const inventory = await loadInventory(lab.inventoryFile, { sshConfig: false });
    const fleets = [0, 1].map(() => openFleet({ inventory, forks: 50, hostKeyPolicy: 'accept-new', knownHostsFiles: [file] }));
    try {
      const reports = await Promise.all(fleets.map((f) => f.ping()));
      for (const report of reports) expect(report.summary).toMatchObject({ total: 50, ok: 50 });
    } finally {
      await Promise.all(fleets.map((f) => f.close()));
    }
    expect(read(file).sort()).toEqual(read(lab.knownHostsFile).sort());
    const hostsWritten = read(file).map((l) => l.split(' ')[0]);
    expect(new Set(hostsWritten).size).toBe(50);
  });
});
