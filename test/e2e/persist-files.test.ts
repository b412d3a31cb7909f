/**
 * The keeper's own files, with a real keeper (the built CLI and dist/cli/keeper-main.js:
 * `npm run build` first) against a lab of 2 local sshd hosts: its pid file, what happens when
 * its directory is removed under it, and the persist project's teardown (kills by pid even when
 * the keeper answers nothing).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { isRunning, killKeeper, persistKeeperDir, waitGone } from '../setup/persist-dir.js';
import { teardownKeeper } from '../setup/persist-setup.js';
import { spawnFleet, type SpawnedRun } from '../support/spawn-fleet.js';

let lab: Lab;
let work: string;
let keeperDir: string | undefined;

beforeAll(async () => {
  lab = await startLab({ hosts: 2, name: 'e2e-persist-files' });
  work = mkdtempSync(path.join(os.tmpdir(), 'fleet-persist-files-'));
}, 120_000);

afterEach(async () => {
  // By pid, never by name.
  if (keeperDir !== undefined) await killKeeper(keeperDir);
  keeperDir = undefined;
});

afterAll(async () => {
  await lab?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

let dirCount = 0;
function newKeeperDir(): string {
  keeperDir = path.join(work, `keeper${(dirCount += 1)}`);
  return keeperDir;
}

function exec(dir: string, command: string, ...more: string[]): Promise<SpawnedRun> {
  return spawnFleet(['exec', command, '-i', lab.inventoryFile, '--ssh-config', '/dev/null', '--output', 'json', '--persist', '10m', ...more], {
    cwd: work,
    env: { FLEET_KEEPER_DIR: dir },
  });
}

const pidOf = (dir: string): number => Number.parseInt(readFileSync(path.join(dir, 'keeper.pid'), 'utf8'), 10);

/** Polls `check` until it holds; fails after `ms`. */
async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the keeper and its directory', () => {
  it('writes its pid file (0600) once it listens, and removes it when it stops', async () => {
    const dir = newKeeperDir();
    expect((await exec(dir, 'true', '-l', 'lab001')).code).toBe(0);
    const pid = pidOf(dir);
    expect(isRunning(pid)).toBe(true);
    expect(statSync(path.join(dir, 'keeper.pid')).mode & 0o777).toBe(0o600);
    const status = await spawnFleet(['persist', 'status', '--json'], { cwd: work, env: { FLEET_KEEPER_DIR: dir } });
    expect((JSON.parse(status.stdout) as { pid: number }).pid).toBe(pid);
    expect((await spawnFleet(['persist', 'stop'], { cwd: work, env: { FLEET_KEEPER_DIR: dir } })).code).toBe(0);
    await waitGone(pid);
    expect(existsSync(path.join(dir, 'keeper.pid'))).toBe(false);
  });

  it('stops when its directory is removed, and does not create it again', async () => {
    const dir = newKeeperDir();
    expect((await exec(dir, 'true')).code).toBe(0);
    const pid = pidOf(dir);
    rmSync(dir, { recursive: true, force: true });
    // Its socket is gone: no client can reach it; it ends (about a second) instead of holding
    // the connections for their 10 minutes.
    await waitGone(pid, 10_000);
    expect(existsSync(dir)).toBe(false);
    // The next command starts a new keeper in a new directory.
    expect((await exec(dir, 'true', '-l', 'lab001')).code).toBe(0);
    expect(pidOf(dir)).not.toBe(pid);
  });

  it("the persist project's teardown kills the keeper by its pid when it answers nothing (SIGSTOP), waits for it, then removes the directory", async () => {
    const dir = newKeeperDir();
    expect((await exec(dir, 'true')).code).toBe(0);
    const pid = pidOf(dir);
    // Half-dead: the socket accepts, nothing answers (a status request would wait forever).
    process.kill(pid, 'SIGSTOP');
    await teardownKeeper(dir);
    expect(isRunning(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it("the persist project's keeper directory stays the same when TMPDIR changes (hygiene.ts sets it after the config is read)", () => {
    const before = persistKeeperDir();
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = path.join(work, 'elsewhere');
    try {
      expect(persistKeeperDir()).toBe(before);
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
    }
  });
});
