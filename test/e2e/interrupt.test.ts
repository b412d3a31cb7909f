/**
 * Ctrl-C on the built CLI (`npm run build` first), against a lab of 4 local sshd hosts:
 * once: no new hosts start, running ones finish, a line on stderr says so; twice: running
 * commands are stopped for real (no remote process left), the summary prints, exit 130.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { labProcesses, startLab, type Lab } from '../lab/lab.js';
import { exitStatuses as statuses, jsonlEvents as events, startFleet, type StartedFleet as Spawned } from '../support/spawn-fleet.js';
import { tempDir } from '../support/temp-dir.js';

let lab: Lab;
let cache: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  lab = await startLab({ hosts: 4, name: 'e2e-interrupt' });
  cache = tempDir('fleet-cache-');
});
afterEach(() => {
  // A failed assertion must not leave a fleet process behind.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await lab?.stop();
});

/** Spawns `fleet exec ARGS` against the lab, jsonl on stdout unless `output` says otherwise. */
function spawnFleet(args: string[], output = 'jsonl'): Spawned {
  const run = startFleet(['exec', ...args, '-i', lab.inventoryFile, '--ssh-config', '/dev/null', '--output', output], {
    env: { PATH: process.env['PATH'], HOME: os.tmpdir(), XDG_CACHE_HOME: cache },
  });
  children.push(run.child);
  return run;
}

/** Hosts where a process whose command line is exactly `command` runs. */
const hostsRunning = (command: string): string[] => labProcesses(lab, { pattern: command }).filter((p) => p.command === command).map((p) => p.host);

describe('Ctrl-C', () => {
  it('twice: running commands are killed on the hosts, hosts end interrupted, summary, exit 130', async () => {
    const run = spawnFleet(['sleep 3003', '-f', '2']);
    await vi.waitFor(() => expect(hostsRunning('sleep 3003')).toHaveLength(2), { timeout: 30_000, interval: 50 });

    run.child.kill('SIGINT');
    await vi.waitFor(() => expect(run.stderr()).toContain('starting no new hosts'), { timeout: 10_000, interval: 20 });
    // The first Ctrl-C stops nothing that runs.
    expect(hostsRunning('sleep 3003')).toHaveLength(2);
    run.child.kill('SIGINT');

    expect(await run.exited).toBe(130);
    expect(labProcesses(lab, { pattern: 'sleep 3003' })).toEqual([]);
    const byHost = statuses(run.stdout());
    expect(Object.values(byHost).sort()).toEqual(['interrupted', 'interrupted', 'skipped', 'skipped']);
    const interrupted = events(run.stdout()).filter((e) => e.type === 'exit' && e.status === 'interrupted');
    expect(interrupted.map((e) => e.type === 'exit' && e.error?.code)).toEqual(['FLEET_CANCELLED', 'FLEET_CANCELLED']);
    expect(events(run.stdout()).at(-1)).toMatchObject({ type: 'summary', summary: { interrupted: 2, skipped: 2, total: 4 } });
  });

  it('twice, stream output: the summary closes stderr, naming the interrupted and skipped hosts', async () => {
    const run = spawnFleet(['sleep 3004', '-f', '3'], 'stream');
    await vi.waitFor(() => expect(hostsRunning('sleep 3004')).toHaveLength(3), { timeout: 30_000, interval: 50 });
    run.child.kill('SIGINT');
    await vi.waitFor(() => expect(run.stderr()).toContain('starting no new hosts'), { timeout: 10_000, interval: 20 });
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(labProcesses(lab, { pattern: 'sleep 3004' })).toEqual([]);
    expect(run.stderr()).toMatch(/summary: 4 hosts in \S+: 1 skipped, 3 interrupted\n/);
    expect(run.stderr()).toMatch(/failed hosts \(4\):\n/);
  });

  it('once: the running hosts finish their commands, the others are skipped, exit 130', async () => {
    // Each host waits for a file in its own private /tmp, which the test creates from outside
    // (through /proc/<sshd pid>/root) once the Ctrl-C has been seen: no timing involved.
    const command = 'while [ ! -e /tmp/fleet-go ]; do sleep 0.05; done; echo released';
    const run = spawnFleet([command, '-f', '2']);
    await vi.waitFor(() => expect(labProcesses(lab, { pattern: 'fleet-go' }).map((p) => p.host).filter((h, i, a) => a.indexOf(h) === i)).toHaveLength(2), {
      timeout: 30_000,
      interval: 50,
    });
    const started = [...new Set(labProcesses(lab, { pattern: 'fleet-go' }).map((p) => p.host))].sort();

    run.child.kill('SIGINT');
    await vi.waitFor(() => expect(run.stderr()).toContain('waiting for the running ones to finish'), { timeout: 10_000, interval: 20 });
    for (const host of lab.hosts.filter((h) => started.includes(h.name))) writeFileSync(`/proc/${host.pid}/root/tmp/fleet-go`, '');

    expect(await run.exited).toBe(130);
    const byHost = statuses(run.stdout());
    for (const host of lab.hosts) expect(byHost[host.name]).toBe(started.includes(host.name) ? 'ok' : 'skipped');
    const out = events(run.stdout()).flatMap((e) => (e.type === 'stdout' ? [[e.host, e.data]] : []));
    expect(out.sort()).toEqual(started.map((h) => [h, 'released\n']));
    const skipped = events(run.stdout()).filter((e) => e.type === 'exit' && e.status === 'skipped');
    for (const e of skipped) expect(e.type === 'exit' && e.error?.message).toMatch(/first Ctrl-C/);
  });
});
