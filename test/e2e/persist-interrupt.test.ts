/**
 * Ctrl-C through a warm --persist keeper (the built CLI: `npm run build` first), against a lab of
 * 4 local sshd hosts: the same two stages as without the keeper (test/e2e/interrupt.test.ts).
 * Once: no new hosts start and the running ones finish; twice: the remote process groups are
 * killed (nothing left on the hosts), exit 130 (docs/errors.md). The tests warm the keeper with
 * a first command, interrupt the second, and check the keeper still serves a third on the same
 * connections (no new login); the last one interrupts while the keeper is still connecting a
 * host, and checks that connection is not left held. Markers, never sleeps: remote processes
 * seen in the lab's process list, fleet's own stderr lines, the keeper's log.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { acceptedLogins, labProcesses, startLab, type Lab } from '../lab/lab.js';
import { killKeeper, waitGone } from '../setup/persist-dir.js';
import { exitStatuses as statuses, jsonlEvents as events, spawnFleet, startFleet as start, type StartedFleet as Spawned, type SpawnedRun } from '../support/spawn-fleet.js';

let lab: Lab;
let work: string;
let keeperDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  lab = await startLab({ hosts: 4, name: 'e2e-persist-interrupt' });
  work = mkdtempSync(path.join(os.tmpdir(), 'fleet-persist-interrupt-'));
}, 120_000);

afterEach(async () => {
  // A failed assertion must not leave a fleet process or a keeper behind (by pid, never by name).
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (keeperDir !== undefined) await killKeeper(keeperDir);
});

afterAll(async () => {
  await lab?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

let dirCount = 0;
/** A keeper directory of the test's own: every test starts without a keeper. */
function newKeeperDir(): void {
  keeperDir = path.join(work, `keeper${(dirCount += 1)}`);
}

const baseArgs = (): string[] => ['-i', lab.inventoryFile, '--ssh-config', '/dev/null', '--persist', '10m'];

function fleet(args: string[]): Promise<SpawnedRun> {
  return spawnFleet(args, { cwd: work, env: { FLEET_KEEPER_DIR: keeperDir } });
}

/** `fleet exec COMMAND --persist 10m --output jsonl` (ARGS after it), not waited for. */
function startExec(command: string, ...more: string[]): Spawned {
  return startFleet(['exec', command, ...baseArgs(), '--output', 'jsonl', ...more]);
}

function startFleet(args: string[]): Spawned {
  const run = start(args, { cwd: work, env: { PATH: process.env['PATH'] ?? '', HOME: work, TMPDIR: os.tmpdir(), FLEET_KEEPER_DIR: keeperDir } });
  children.push(run.child);
  return run;
}

/** How many logins each lab host's sshd has accepted so far. */
const logins = (): number[] => acceptedLogins(lab);

/** The keeper's pid, from its pid file. */
const keeperPid = (): number => Number.parseInt(readFileSync(path.join(keeperDir, 'keeper.pid'), 'utf8'), 10);

/** Hosts on which a process whose command line is exactly `command` runs, once per process. */
const running = (command: string): string[] =>
  labProcesses(lab, { pattern: command })
    .filter((p) => p.command === command)
    .map((p) => p.host);

/** The first command: the keeper starts and keeps one connection per host. */
async function warmKeeper(): Promise<{ pid: number; logins: number[] }> {
  const warm = await fleet(['exec', 'true', ...baseArgs(), '--output', 'json']);
  expect(warm.code, warm.stderr).toBe(0);
  return { pid: keeperPid(), logins: logins() };
}

/** The third command: the same keeper serves it on the kept connections (no new login). */
async function expectKeeperStillServes(warm: { pid: number; logins: number[] }): Promise<void> {
  const next = await fleet(['exec', 'uname -n', ...baseArgs(), '--output', 'json']);
  expect(next.code, next.stderr).toBe(0);
  const doc = JSON.parse(next.stdout) as { hosts: Array<{ host: string; stdout: string }> };
  expect(doc.hosts.map((h) => h.stdout)).toEqual(lab.hosts.map((h) => `${h.name}\n`));
  expect(keeperPid()).toBe(warm.pid);
  expect(logins()).toEqual(warm.logins);
}

describe('Ctrl-C through a warm keeper', () => {
  it('twice: the remote process groups are killed (nothing left on the hosts), hosts end interrupted, exit 130', async () => {
    newKeeperDir();
    const warm = await warmKeeper();
    // A process group of three on each host: the shell and two sleeps.
    const run = startExec('sleep 3071 & sleep 3071; wait', '-f', '2');
    await vi.waitFor(() => expect(running('sleep 3071')).toHaveLength(4), { timeout: 30_000, interval: 50 });
    const started = [...new Set(running('sleep 3071'))].sort();

    run.child.kill('SIGINT');
    await vi.waitFor(() => expect(run.stderr()).toContain('starting no new hosts'), { timeout: 10_000, interval: 20 });
    // The first Ctrl-C stops nothing that runs.
    expect(running('sleep 3071')).toHaveLength(4);
    run.child.kill('SIGINT');

    expect(await run.exited).toBe(130);
    // Gone by the time fleet has exited, the shell as well as both sleeps.
    expect(labProcesses(lab, { pattern: 'sleep 3071' })).toEqual([]);
    const byHost = statuses(run.stdout());
    for (const host of lab.hosts) expect(byHost[host.name], run.stdout()).toBe(started.includes(host.name) ? 'interrupted' : 'skipped');
    const interrupted = events(run.stdout()).filter((e) => e.type === 'exit' && e.status === 'interrupted');
    expect(interrupted.map((e) => e.type === 'exit' && e.error?.code)).toEqual(['FLEET_CANCELLED', 'FLEET_CANCELLED']);
    expect(events(run.stdout()).at(-1)).toMatchObject({ type: 'summary', summary: { interrupted: 2, skipped: 2, total: 4 } });
    // It ran on the kept connections: no login since the first command.
    expect(logins()).toEqual(warm.logins);

    await expectKeeperStillServes(warm);
  });

  it('once: the running hosts finish their commands on the kept connections, the others are skipped, exit 130', async () => {
    newKeeperDir();
    const warm = await warmKeeper();
    // Each host waits for a file in its own private /tmp, created from outside (through
    // /proc/<sshd pid>/root) once the Ctrl-C has been seen: no timing involved.
    const command = 'while [ ! -e /tmp/fleet-go-persist ]; do sleep 0.05; done; echo released';
    const run = startExec(command, '-f', '2');
    const waiting = (): string[] => [...new Set(labProcesses(lab, { pattern: 'fleet-go-persist' }).map((p) => p.host))].sort();
    await vi.waitFor(() => expect(waiting()).toHaveLength(2), { timeout: 30_000, interval: 50 });
    const started = waiting();

    run.child.kill('SIGINT');
    await vi.waitFor(() => expect(run.stderr()).toContain('waiting for the running ones to finish'), { timeout: 10_000, interval: 20 });
    for (const host of lab.hosts.filter((h) => started.includes(h.name))) writeFileSync(`/proc/${host.pid}/root/tmp/fleet-go-persist`, '');

    expect(await run.exited).toBe(130);
    const byHost = statuses(run.stdout());
    for (const host of lab.hosts) expect(byHost[host.name]).toBe(started.includes(host.name) ? 'ok' : 'skipped');
    const out = events(run.stdout()).flatMap((e) => (e.type === 'stdout' ? [[e.host, e.data]] : []));
    expect(out.sort()).toEqual(started.map((h) => [h, 'released\n']));
    expect(labProcesses(lab, { pattern: 'fleet-go-persist' })).toEqual([]);
    expect(logins()).toEqual(warm.logins);
    for (const host of lab.hosts.filter((h) => started.includes(h.name))) rmSync(`/proc/${host.pid}/root/tmp/fleet-go-persist`, { force: true });

    await expectKeeperStillServes(warm);
  });

  it('twice while a host is still being connected by the keeper: that host ends interrupted too, as without the keeper', async () => {
    newKeeperDir();
    // A host that accepts the TCP connection and never sends its banner: its connect hangs.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      socket.on('error', () => undefined);
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const inventory = path.join(work, 'with-silent.yaml');
    writeFileSync(inventory, `${readFileSync(lab.inventoryFile, 'utf8').trimEnd()}\n  silent01: {host: 127.0.0.1, port: ${(silent.address() as net.AddressInfo).port}}\n`);
    const interruptBoth = async (persist: string[]): Promise<{ code: number | null; run: Spawned }> => {
      const connects = sockets.length;
      const run = startFleet(['exec', 'sleep 3072', '-i', inventory, '--ssh-config', '/dev/null', '--output', 'jsonl', '-f', '5', '--connect-timeout', '60s', ...persist]);
      await vi.waitFor(
        () => {
          expect(running('sleep 3072')).toHaveLength(4);
          expect(sockets.length).toBe(connects + 1);
        },
        { timeout: 30_000, interval: 50 },
      );
      run.child.kill('SIGINT');
      await vi.waitFor(() => expect(run.stderr()).toContain('starting no new hosts'), { timeout: 10_000, interval: 20 });
      run.child.kill('SIGINT');
      return { code: await run.exited, run };
    };
    const exitOf = (run: Spawned, host: string): unknown => {
      const e = events(run.stdout()).find((x) => x.type === 'exit' && x.host === host);
      return e?.type === 'exit' ? { status: e.status, code: e.error?.code } : undefined;
    };
    let warm: { pid: number; logins: number[] } | undefined;
    try {
      const direct = await interruptBoth(['--persist', '0']);
      expect(labProcesses(lab, { pattern: 'sleep 3072' })).toEqual([]);
      warm = await warmKeeper();
      const kept = await interruptBoth(['--persist', '10m']);
      expect(labProcesses(lab, { pattern: 'sleep 3072' })).toEqual([]);
      expect(kept.code).toBe(direct.code);
      expect(kept.code).toBe(130);
      expect(exitOf(kept.run, 'silent01'), kept.run.stdout()).toEqual(exitOf(direct.run, 'silent01'));
      expect(exitOf(kept.run, 'silent01')).toEqual({ status: 'interrupted', code: 'FLEET_CANCELLED' });
      for (const host of lab.hosts) expect(exitOf(kept.run, host.name)).toEqual({ status: 'interrupted', code: 'FLEET_CANCELLED' });
    } finally {
      // The keeper's own connect to it fails now, instead of at its timeout.
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
    await expectKeeperStillServes(warm as { pid: number; logins: number[] });
  });

  it('twice while the keeper is still connecting a slow host: once connected, that connection idles out like the others (nothing holds it)', async () => {
    newKeeperDir();
    const slow = lab.hosts[3] as Lab['hosts'][number];
    // Its sshd accepts nothing until SIGCONT: the keeper's connect waits for the banner.
    process.kill(slow.pid, 'SIGSTOP');
    let pid: number;
    try {
      const run = startFleet(['exec', 'true', '-i', lab.inventoryFile, '--ssh-config', '/dev/null', '--output', 'jsonl', '--persist', '3s', '--connect-timeout', '60s']);
      await vi.waitFor(() => expect(Object.values(statuses(run.stdout()))).toEqual(['ok', 'ok', 'ok']), { timeout: 30_000, interval: 50 });
      run.child.kill('SIGINT');
      await vi.waitFor(() => expect(run.stderr()).toContain('starting no new hosts'), { timeout: 10_000, interval: 20 });
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(130);
      expect(statuses(run.stdout())[slow.name]).toBe('interrupted');
      pid = keeperPid();
    } finally {
      process.kill(slow.pid, 'SIGCONT');
    }
    // The keeper's connect completes after its client went away...
    await vi.waitFor(() => expect(readFileSync(path.join(keeperDir, 'keeper.log'), 'utf8')).toContain(`connected ${slow.name} `), { timeout: 30_000, interval: 50 });
    // ...and nothing holds that connection: it idles out after its 3 s, and the keeper, holding
    // none, ends (it used to stay held, and the keeper alive, for good).
    await waitGone(pid, 15_000);
  });
});
