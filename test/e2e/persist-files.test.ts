/**
 * The keeper's own files, with a real keeper (the built CLI and dist/cli/keeper-main.js:
 * `npm run build` first) against a lab of 2 local sshd hosts: its pid file, what happens when
 * its directory is removed under it, the persist project's teardown (kills by pid even when the
 * keeper answers nothing), and keeper.log's rotation.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { isRunning, killKeeper, persistKeeperDir, waitGone } from '../setup/persist-dir.js';
import { teardownKeeper } from '../setup/persist-setup.js';
import { spawnFleet, type SpawnedRun } from '../support/spawn-fleet.js';

const KEEPER_MAIN = path.resolve('dist/cli/keeper-main.js');

let lab: Lab;
let work: string;
let keeperDir: string | undefined;
const keepers: ChildProcess[] = [];

beforeAll(async () => {
  lab = await startLab({ hosts: 2, name: 'e2e-persist-files' });
  work = mkdtempSync(path.join(os.tmpdir(), 'fleet-persist-files-'));
}, 120_000);

afterEach(async () => {
  // By pid, never by name.
  if (keeperDir !== undefined) await killKeeper(keeperDir);
  for (const child of keepers.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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

describe('keeper.log', () => {
  /** Starts keeper-main.js directly (as fleet does, but with the test-only log bound) and waits for `ready`. */
  async function startKeeper(dir: string, maxBytes: number): Promise<number> {
    const child = spawn(process.execPath, [KEEPER_MAIN], {
      env: { PATH: process.env['PATH'] ?? '', HOME: work, FLEET_KEEPER_DIR: dir, FLEET_KEEPER_LOG_MAX_BYTES: String(maxBytes) },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    keepers.push(child);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`keeper exited ${code}: ${out}`)));
    });
    expect(out).toBe('ready\n');
    return child.pid as number;
  }

  /** One connection with a wrong token: the keeper logs a refusal (one line) and closes it. */
  function refusedPeer(dir: string): Promise<void> {
    return new Promise((resolve) => {
      const sock = net.connect(path.join(dir, 'keeper.sock'));
      sock.on('error', () => undefined);
      sock.on('close', () => resolve());
      sock.write(`${JSON.stringify({ token: 'f'.repeat(64), op: 'control' })}\n`);
    });
  }

  it('is rotated to keeper.log.1 past its bound (one old file kept), both 0600, with no secret in either', async () => {
    const dir = newKeeperDir();
    const maxBytes = 1000;
    const pid = await startKeeper(dir, maxBytes);
    // A kept connection (the keeper would otherwise end, holding none): its line is logged first.
    expect((await exec(dir, 'true', '-l', 'lab001')).code).toBe(0);
    expect(pidOf(dir)).toBe(pid);
    const token = readFileSync(path.join(dir, 'token'), 'utf8').trim();
    // Enough lines for several rotations (about 80 bytes each).
    for (let i = 0; i < 40; i += 1) await refusedPeer(dir);

    const log = path.join(dir, 'keeper.log');
    const old = `${log}.1`;
    await waitFor('the 40 refusals to be logged', () => existsSync(old) && readFileSync(log, 'utf8').trim().split('\n').at(-1)?.includes('refused') === true);
    expect(readdirSync(dir).filter((f) => f.startsWith('keeper.log')).sort()).toEqual(['keeper.log', 'keeper.log.1']);
    for (const file of [log, old]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(file).size).toBeLessThanOrEqual(maxBytes);
      expect(statSync(file).size).toBeGreaterThan(0);
    }
    const lines = [...readFileSync(old, 'utf8').split('\n'), ...readFileSync(log, 'utf8').split('\n')].filter(Boolean);
    // Whole lines only, in order, all from this keeper; the early ones rotated away.
    for (const line of lines) expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\[${pid}\\] (refused a connection without the token|connected lab001 .*)$`));
    expect(lines.map((l) => l.slice(0, 24))).toEqual(lines.map((l) => l.slice(0, 24)).sort());
    expect(lines.some((l) => l.includes('listening'))).toBe(false);
    // Never a secret: not the keeper's token, not the lab's private key.
    const key = readFileSync(lab.keyFile, 'utf8').split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    for (const file of [log, old]) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(token);
      for (const part of key) expect(text).not.toContain(part);
    }
    // The keeper still serves after rotating.
    expect((await exec(dir, 'true', '-l', 'lab001')).code).toBe(0);
    expect(isRunning(pid)).toBe(true);
  });
});
