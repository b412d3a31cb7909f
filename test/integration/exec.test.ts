import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { FleetEvent } from '../../src/events.js';
import { openFleet } from '../../src/fleet.js';
import { loadInventory } from '../../src/inventory/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

const sshd = inject('sshd');

/** The containers' inventory plus one host on a port where nothing listens. */
async function inventoryWithDeadHost(): Promise<string> {
  const dir = tempDir('fleet-exec-');
  const closedPort = await freePort();
  const text = await readFile(sshd.inventoryFile, 'utf8');
  const file = path.join(dir, 'inventory.yaml');
  await writeFile(file, `${text.trimEnd()}\n  dead: {host: 127.0.0.1, port: ${closedPort}}\n`);
  return file;
}

// A port that was free a moment ago: bind, read, close. Nothing listens on it afterwards.
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('fleet exec against sshd containers', () => {
  it('returns each host its own hostname and exit code (library)', async () => {
    const inventory = await loadInventory(sshd.inventoryFile, { sshConfig: false });
    await using fleet = openFleet({ inventory });
    const events: FleetEvent[] = [];
    const report = await fleet.exec('uname -n; exit 3', { onEvent: (e) => events.push(e) });

    expect(report.results.map((r) => r.host)).toEqual(['c1', 'c2', 'c3']);
    for (const result of report.results) {
      // The command ran: its output is a value, and a non-zero exit is status `failed`, not ok.
      expect(result).toMatchObject({ ok: false, status: 'failed' });
      if (result.error) continue;
      expect(result.value.stdout).toBe(`${result.host}\n`);
      expect(result.value.exitCode).toBe(3);
    }
    expect(report.summary).toMatchObject({ total: 3, failed: 3, ok: 0 });
    // Every host passed its gates in order, and ended with exactly one exit event.
    for (const host of ['c1', 'c2', 'c3']) {
      const states = events.flatMap((e) => (e.type === 'host_state' && e.host === host ? [e.state] : []));
      expect(states).toEqual(['queued', 'connecting', 'authenticated', 'running', 'done']);
      expect(events.filter((e) => e.type === 'exit' && e.host === host)).toHaveLength(1);
    }
  });

  it('exits 1 and names the host when one command fails (CLI)', async () => {
    const run = await runCli(['exec', 'if [ "$(uname -n)" = c2 ]; then echo broken >&2; exit 7; fi; echo fine', '-i', sshd.inventoryFile, '--ssh-config', '/dev/null']);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual(['c1 | fine', 'c3 | fine']);
    expect(run.stderr).toContain('c2 | broken');
    expect(run.stderr).toMatch(/summary: 3 hosts in .*: 2 ok, 1 failed/);
    expect(run.stderr).toMatch(/failed hosts \(1\):\n\s+c2\s+failed\s+exit 7/);
  });

  it('reports a closed port as unreachable within the connect timeout while the others succeed', async () => {
    const inventory = await inventoryWithDeadHost();
    const t0 = performance.now();
    const run = await runCli(['exec', 'true', '-i', inventory, '--connect-timeout', '5s', '--output', 'json', '--ssh-config', '/dev/null']);
    const elapsed = performance.now() - t0;
    const doc = JSON.parse(run.stdout) as { hosts: { host: string; status: string; error: { code: string } | null }[] };
    expect(run.code).toBe(3);
    expect(doc.hosts.map((h) => [h.host, h.status])).toEqual([
      ['c1', 'ok'],
      ['c2', 'ok'],
      ['c3', 'ok'],
      ['dead', 'unreachable'],
    ]);
    expect(doc.hosts[3]?.error?.code).toBe('FLEET_CONNECT_REFUSED');
    expect(elapsed).toBeLessThan(5_000 + 2_000);
  });

  it('rejects an unknown host key by default, before authenticating', async () => {
    const dir = tempDir('fleet-hk-');
    const emptyKnownHosts = path.join(dir, 'known_hosts');
    await writeFile(emptyKnownHosts, '');
    const run = await runCli(['exec', 'true', '-i', sshd.inventoryFile, '--known-hosts', emptyKnownHosts, '--output', 'json', '--ssh-config', '/dev/null']);
    const doc = JSON.parse(run.stdout) as { hosts: { status: string; error: { code: string } | null }[] };
    expect(run.code).toBe(3);
    expect(doc.hosts.map((h) => h.status)).toEqual(['hostkey', 'hostkey', 'hostkey']);
    expect(doc.hosts.map((h) => h.error?.code)).toEqual(['FLEET_HOSTKEY_UNKNOWN', 'FLEET_HOSTKEY_UNKNOWN', 'FLEET_HOSTKEY_UNKNOWN']);
    // Nothing was written: strict mode never trusts on first use.
    expect(await readFile(emptyKnownHosts, 'utf8')).toBe('');
  });
});
