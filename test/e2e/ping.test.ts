// The built CLI (bin/fleet) against the local sshd lab: `fleet ping` and `fleet hostkeys`.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';

const run = promisify(execFile);
const FLEET = path.resolve('bin/fleet');

let lab: Lab;
let home: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 3, name: 'e2e-ping' });
  home = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-ping-'));
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** Spawns the built CLI (stdin: /dev/null, so never a terminal); never rejects on a non-zero exit. */
async function fleet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [FLEET, ...args, '--ssh-config', '/dev/null'], { env: { PATH: process.env['PATH'], HOME: home } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('fleet ping', () => {
  it('prints one row per host with handshake time and fingerprint, then the summary; exit 0', async () => {
    const result = await fleet(['ping', '-i', lab.inventoryFile]);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trim().split('\n');
    expect(header).toMatch(/^HOST\s+STATUS\s+HANDSHAKE\s+RTT\s+KEY\s+FINGERPRINT$/);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(lab.hosts.map((h) => h.name));
    for (const row of rows) expect(row).toMatch(/\sok\s+\d+ ms\s+[\d.]+ ms\s+ssh-ed25519\s+SHA256:\S{43}$/);
    expect(result.stderr).toMatch(/summary: 3 hosts in \S+: 3 ok/);
  });

  it('json: one document; an unreachable host makes it exit 3 and is named in the summary', async () => {
    const inventory = path.join(home, 'with-dead.yaml');
    await writeFile(inventory, `${(await readFile(lab.inventoryFile, 'utf8')).trimEnd()}\n  dead: {host: 127.0.0.1, port: 9}\n`);
    const result = await fleet(['ping', '-i', inventory, '--output', 'json', '--connect-timeout', '5s']);
    expect(result.code).toBe(3);
    const doc = JSON.parse(result.stdout) as { hosts: Array<{ host: string; status: string; fingerprint: string | null; error: { code: string } | null }>; summary: Record<string, number> };
    expect(doc.hosts.map((h) => h.status)).toEqual(['ok', 'ok', 'ok', 'unreachable']);
    expect(doc.hosts[0]?.fingerprint).toMatch(/^SHA256:/);
    expect(doc.hosts[3]?.error?.code).toBe('FLEET_CONNECT_REFUSED');
    expect(doc.summary).toMatchObject({ total: 4, ok: 3, unreachable: 1 });
  });

  it('jsonl: the event stream, one object per line, ending with the summary', async () => {
    const result = await fleet(['ping', '-i', lab.inventoryFile, '--output', 'jsonl']);
    expect(result.code).toBe(0);
    const events = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string });
    expect(events[0]?.type).toBe('run_start');
    expect(events.filter((e) => e.type === 'exit').map((e) => e.status)).toEqual(['ok', 'ok', 'ok']);
    expect(events.at(-1)?.type).toBe('summary');
  });

  it('an unknown host key fails under the default strict policy: exit 3, status hostkey', async () => {
    const empty = path.join(home, 'known_hosts_empty');
    await writeFile(empty, '');
    const result = await fleet(['ping', '-i', lab.inventoryFile, '--known-hosts', empty, '--output', 'json']);
    expect(result.code).toBe(3);
    expect((JSON.parse(result.stdout) as { hosts: Array<{ status: string }> }).hosts.map((h) => h.status)).toEqual(['hostkey', 'hostkey', 'hostkey']);
  });
});

describe('fleet hostkeys', () => {
  it('accept refuses to run unattended without --yes (exit 2), and with --yes pins every host once', async () => {
    const file = path.join(home, 'known_hosts_accept');
    await writeFile(file, '', { mode: 0o600 });
    const unattended = await fleet(['hostkeys', 'accept', '-i', lab.inventoryFile, '--known-hosts', file]);
    expect(unattended.code).toBe(2);
    expect(unattended.stderr).toMatch(/--yes/);

    const accepted = await fleet(['hostkeys', 'accept', '-i', lab.inventoryFile, '--known-hosts', file, '--yes']);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).at(-1))).toEqual(['added', 'added', 'added']);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').sort();
    expect(lines).toEqual((await readFile(lab.knownHostsFile, 'utf8')).trim().split('\n').sort());

    const scan = await fleet(['hostkeys', 'scan', '-i', lab.inventoryFile, '--known-hosts', file]);
    expect(scan.code).toBe(0);
    expect(scan.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).at(-1))).toEqual(['known', 'known', 'known']);
    expect((await fleet(['ping', '-i', lab.inventoryFile, '--known-hosts', file])).code).toBe(0);
  });
});
