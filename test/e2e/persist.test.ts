// --persist through the built CLI against the local sshd lab: reuse, identical results, the
// keeper's private files, and the faults of issue #16 (keeper SIGKILLed mid-command, a host
// restarted between commands, two fleet processes at once, `persist stop` during a run, idle).
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acceptedLogins, labProcesses, startLab, type Lab } from '../lab/lab.js';
import { fixtureKeyPath } from '../setup/keys.js';
import { killKeeper } from '../setup/persist-dir.js';
import { FLEET_BIN, spawnFleet, type SpawnedRun } from '../support/spawn-fleet.js';

let lab: Lab;
let work: string;
let keeperDir: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 3, name: 'e2e-persist' });
  work = mkdtempSync(path.join(os.tmpdir(), 'fleet-persist-'));
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

let dirCount = 0;
/** A fresh keeper directory per test (mkdtemp: 0700), so every test starts without a keeper. */
function newKeeperDir(): string {
  keeperDir = path.join(work, `keeper${(dirCount += 1)}`);
  return keeperDir;
}

afterEach(async () => {
  // Stop the test's keeper by the pid in its pid file (never by name), even if it answers nothing.
  if (keeperDir !== undefined) await killKeeper(keeperDir);
});

const env = (): Record<string, string> => ({ FLEET_KEEPER_DIR: keeperDir });

function fleet(args: string[], extraEnv: Record<string, string> = {}): Promise<SpawnedRun> {
  return spawnFleet(args, { cwd: work, env: { ...env(), ...extraEnv } });
}

function exec(command: string, ...more: string[]): Promise<SpawnedRun> {
  return fleet(['exec', command, '-i', lab.inventoryFile, '--output', 'json', '--ssh-config', '/dev/null', ...more]);
}

interface HostDoc {
  host: string;
  status: string;
  stdout: string;
  stderr: string;
  error?: { code: string } | null;
  [k: string]: unknown;
}

/** The json document's hosts without the fields that differ from run to run (times). */
function results(run: SpawnedRun): Array<Partial<HostDoc>> {
  const doc = JSON.parse(run.stdout) as { hosts: HostDoc[] };
  return doc.hosts.map(({ host, status, stdout, stderr, error, ...rest }) => ({
    host,
    status,
    stdout,
    stderr,
    ...(error !== undefined && error !== null && { error: { code: error.code } }),
    exit: rest['exitCode'] ?? rest['exit_code'],
  }));
}

/** How many logins each lab host's sshd has accepted so far. */
const logins = (): number[] => acceptedLogins(lab);

interface Status {
  running: boolean;
  pid?: number;
  hosts: Array<{ host: string; active: number; idleMs: number; persistMs: number }>;
}

async function status(): Promise<Status> {
  const run = await fleet(['persist', 'status', '--json']);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Status;
}

/** Polls `check` (a marker: the keeper's status, a process) until it holds; fails after `ms`. */
async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the CLI without waiting for it; resolves its outcome on exit. */
function startFleet(args: string[]): { child: ChildProcess; done: Promise<SpawnedRun> } {
  const child = spawn(process.execPath, [FLEET_BIN, ...args, '--ssh-config', '/dev/null'], {
    cwd: work,
    env: { PATH: process.env['PATH'] ?? '', HOME: work, ...env() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<SpawnedRun>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return { child, done };
}

describe('fleet exec --persist', () => {
  it('reuses the kept connections on the next command, with the same results and exit code as without', async () => {
    newKeeperDir();
    const command = 'uname -n; echo oops >&2; exit 3';
    const direct = await exec(command);
    const before = logins();
    const first = await exec(command, '--persist', '1m');
    const afterFirst = logins();
    const second = await exec(command, '--persist', '1m');
    const afterSecond = logins();

    expect(first.code).toBe(direct.code);
    expect(second.code).toBe(direct.code);
    expect(results(first)).toEqual(results(direct));
    expect(results(second)).toEqual(results(direct));
    expect(results(second).map((r) => r.stdout)).toEqual(lab.hosts.map((h) => `${h.name}\n`));
    // One login per host for the first command, none for the second.
    expect(afterFirst.map((n, i) => n - (before[i] ?? 0))).toEqual([1, 1, 1]);
    expect(afterSecond).toEqual(afterFirst);
  });

  it('FLEET_PERSIST does the same as --persist, and stdin reaches the command through the keeper', async () => {
    newKeeperDir();
    const input = path.join(work, 'stdin.txt');
    writeFileSync(input, 'line one\nline two\n');
    const run = await fleet(['exec', 'cat; echo "[$FOO]"', '-i', lab.inventoryFile, '-l', 'lab001', '--stdin', input, '--env', 'FOO=bar', '--output', 'json', '--ssh-config', '/dev/null'], { FLEET_PERSIST: '1m' });
    expect(run.code).toBe(0);
    expect(results(run)[0]?.stdout).toBe('line one\nline two\n[bar]\n');
    const st = await status();
    expect(st.running).toBe(true);
    expect(st.hosts.map((h) => h.host)).toEqual(['lab001']);
    expect(st.hosts[0]?.persistMs).toBe(60_000);
  });

  it('put and get run their SFTP sessions over the kept connections: no new login, the same bytes back', async () => {
    newKeeperDir();
    const local = path.join(work, 'payload.bin');
    writeFileSync(local, Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 7919) % 251)));
    expect((await exec('true', '--persist', '1m')).code).toBe(0);
    const before = logins();
    const put = await fleet(['put', local, '/var/tmp/fleet-persist-payload.bin', '-i', lab.inventoryFile, '--persist', '1m', '--ssh-config', '/dev/null']);
    expect(put.code, put.stderr).toBe(0);
    const back = path.join(work, 'back');
    const get = await fleet(['get', '/var/tmp/fleet-persist-payload.bin', back, '-i', lab.inventoryFile, '--persist', '1m', '--ssh-config', '/dev/null']);
    expect(get.code, get.stderr).toBe(0);
    for (const h of lab.hosts) expect(readFileSync(path.join(back, h.name, 'fleet-persist-payload.bin')).equals(readFileSync(local))).toBe(true);
    expect(logins()).toEqual(before);
    await exec('rm -f /var/tmp/fleet-persist-payload.bin', '--persist', '1m');
  });

  it('--timeout through the keeper: status timeout, and the remote process group is killed', async () => {
    newKeeperDir();
    expect((await exec('true', '--persist', '1m', '-l', 'lab001')).code).toBe(0);
    const direct = await exec('sleep 3031; echo never', '-l', 'lab001', '--timeout', '1s');
    const kept = await exec('sleep 3031; echo never', '-l', 'lab001', '--timeout', '1s', '--persist', '1m');
    expect(kept.code).toBe(direct.code);
    expect(results(kept)).toEqual(results(direct));
    expect(results(kept)[0]?.status).toBe('timeout');
    expect(labProcesses(lab, { pattern: 'sleep 3031' })).toEqual([]);
    // The kept connection still serves the next command.
    expect((await exec('true', '--persist', '1m', '-l', 'lab001')).code).toBe(0);
  });

  it('fleet persist status lists the hosts and idle times; stop ends the keeper', async () => {
    newKeeperDir();
    expect(await status()).toMatchObject({ running: false, hosts: [] });
    expect((await exec('true', '--persist', '10m')).code).toBe(0);
    const st = await status();
    expect(st.hosts.map((h) => h.host).sort()).toEqual(['lab001', 'lab002', 'lab003']);
    for (const h of st.hosts) expect(h).toMatchObject({ active: 0, persistMs: 600_000 });
    const text = await fleet(['persist', 'status']);
    expect(text.stdout).toMatch(/lab001 +root@127\.\d+\.\d+\.\d+:22 +idle /);
    const pid = st.pid as number;
    expect((await fleet(['persist', 'stop'])).code).toBe(0);
    await waitFor('the keeper to exit', () => !alive(pid));
    expect(await status()).toMatchObject({ running: false });
  });
});

describe('which connection is reused', () => {
  it('a changed setting (known_hosts files, kex profile) gets a fresh connection, never the kept one', async () => {
    newKeeperDir();
    const known = path.join(work, 'known_hosts_copy');
    writeFileSync(known, readFileSync(lab.knownHostsFile));
    expect((await exec('true', '--persist', '1m', '-l', 'lab001')).code).toBe(0);
    const before = logins();
    expect((await exec('true', '--persist', '1m', '-l', 'lab001', '--known-hosts', known)).code).toBe(0);
    expect((await exec('true', '--persist', '1m', '-l', 'lab001', '--kex-profile', 'fast')).code).toBe(0);
    expect((await exec('true', '--persist', '1m', '-l', 'lab001')).code).toBe(0);
    // Two new logins (the two changed settings); the unchanged third command reused the first.
    expect(logins()[0]! - before[0]!).toBe(2);
    expect((await status()).hosts).toHaveLength(3);
  });

  it('a key file replaced on disk is read again by the keeper: the next connect signs with the new key, not a cached parse', async () => {
    newKeeperDir();
    const key = path.join(work, 'replaced_key');
    copyFileSync(lab.keyFile, key);
    chmodSync(key, 0o600);
    const withKey = (): Promise<SpawnedRun> => exec('true', '--persist', '1m', '-l', 'lab001', '--identity', key);
    expect((await withKey()).code).toBe(0);
    // Replaced by a key no lab host accepts: a new identity, hence a new connect, which must fail.
    copyFileSync(fixtureKeyPath('id_ed25519_unauthorized'), key);
    chmodSync(key, 0o600);
    const run = await withKey();
    expect(run.code).not.toBe(0);
    expect(results(run)[0]).toMatchObject({ host: 'lab001', error: { code: 'FLEET_AUTH_FAILED' } });
  });

  it('a host that logs in with a password from the environment is not kept', async () => {
    newKeeperDir();
    const run = await fleet(['exec', 'true', '-i', lab.inventoryFile, '-l', 'lab001', '--password-env', 'NO_SUCH_PW', '--persist', '1m', '--output', 'json', '--ssh-config', '/dev/null'], { NO_SUCH_PW: 'x' });
    expect(run.code).toBe(0);
    expect(await status()).toMatchObject({ running: false });
  });
});

describe('the keeper is private', () => {
  it('keeps its socket and token 0600 in a 0700 directory, and refuses a peer without the token', async () => {
    newKeeperDir();
    expect((await exec('true', '--persist', '1m', '-l', 'lab001')).code).toBe(0);
    const mode = (p: string): number => statSync(p).mode & 0o777;
    expect(mode(keeperDir)).toBe(0o700);
    expect(mode(path.join(keeperDir, 'keeper.sock'))).toBe(0o600);
    expect(mode(path.join(keeperDir, 'token'))).toBe(0o600);
    // A wrong token: the keeper closes the connection without answering.
    const answer = await new Promise<string>((resolve) => {
      const sock = net.connect(path.join(keeperDir, 'keeper.sock'));
      let got = '';
      sock.on('data', (c: Buffer) => (got += c.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', () => undefined);
      sock.write(`${JSON.stringify({ token: 'f'.repeat(64), op: 'control' })}\n${JSON.stringify({ id: 1, op: 'status' })}\n`);
    });
    expect(answer).toBe('');
  });

  it('refuses a keeper directory that others can read', async () => {
    newKeeperDir();
    expect((await exec('true', '--persist', '1m', '-l', 'lab001')).code).toBe(0);
    chmodSync(keeperDir, 0o755);
    try {
      const run = await exec('true', '--persist', '1m', '-l', 'lab001');
      expect(run.code).not.toBe(0);
      expect(run.stdout + run.stderr).toContain('must be 0700');
    } finally {
      chmodSync(keeperDir, 0o700);
    }
  });
});

describe('faults', () => {
  it('keeper SIGKILLed mid-command: the hosts are reported as lost connections; the next command starts a new keeper', async () => {
    newKeeperDir();
    expect((await exec('true', '--persist', '1m')).code).toBe(0);
    const { pid } = await status();
    const run = startFleet(['exec', 'sleep 30', '-i', lab.inventoryFile, '--output', 'json', '--persist', '1m']);
    await waitFor('the command to run on every host', async () => (await status()).hosts.every((h) => h.active === 1));
    process.kill(pid as number, 'SIGKILL');
    const killed = await run.done;
    expect(killed.code).toBe(3);
    for (const r of results(killed)) expect(r.error?.code).toBe('FLEET_CONNECTION_LOST');
    const next = await exec('uname -n', '--persist', '1m');
    expect(next.code).toBe(0);
    const st = await status();
    expect(st.pid).not.toBe(pid);
    expect(st.hosts).toHaveLength(3);
    for (const p of labProcesses(lab, { pattern: 'sleep 30' })) process.kill(p.pid, 'SIGKILL');
  });

  it('a keeper that stopped answering (SIGSTOP) does not hang the run: connect timeout, then a fresh keeper', async () => {
    newKeeperDir();
    expect((await exec('true', '--persist', '1m', '-l', 'lab001')).code).toBe(0);
    const { pid } = await status();
    process.kill(pid as number, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const run = await exec('true', '--persist', '1m', '-l', 'lab001', '--connect-timeout', '1s');
      expect(run.code).toBe(3);
      expect(results(run)[0]?.error?.code).toBe('FLEET_CONNECT_TIMEOUT');
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      process.kill(pid as number, 'SIGKILL');
    }
    expect((await exec('true', '--persist', '1m', '-l', 'lab001')).code).toBe(0);
  });

  it('a host restarted between two commands: its dead connection is replaced before the command starts', async () => {
    newKeeperDir();
    expect((await exec('true', '--persist', '1m')).code).toBe(0);
    const before = logins();
    // The host "restarts": every process of its sessions dies (the kept connection with them).
    const sessions = labProcesses(lab, { host: 'lab002', pattern: 'sshd' });
    expect(sessions.length).toBeGreaterThan(0);
    for (const p of sessions) process.kill(p.pid, 'SIGKILL');
    const run = await exec('uname -n', '--persist', '1m');
    expect(run.code).toBe(0);
    expect(results(run).map((r) => r.stdout)).toEqual(['lab001\n', 'lab002\n', 'lab003\n']);
    // Exactly one new login, on the restarted host.
    expect(logins().map((n, i) => n - (before[i] ?? 0))).toEqual([0, 1, 0]);
  });

  it('a host that stopped answering (SIGSTOP) is checked and replaced before the command starts, and the command runs once', async () => {
    newKeeperDir();
    expect((await exec('true', '--persist', '1m', '-l', 'lab003')).code).toBe(0);
    const sessions = labProcesses(lab, { host: 'lab003', pattern: 'sshd' });
    for (const p of sessions) process.kill(p.pid, 'SIGSTOP');
    try {
      const marker = path.join('/var/tmp', `fleet-persist-once-${process.pid}`);
      const run = await exec(`echo x >> ${marker}; cat ${marker}; rm -f ${marker}`, '--persist', '1m', '-l', 'lab003');
      expect(run.code).toBe(0);
      expect(results(run)[0]?.stdout).toBe('x\n');
    } finally {
      for (const p of sessions) process.kill(p.pid, 'SIGKILL');
    }
  });

  it('two fleet processes at once share one keeper and one connection per host', async () => {
    newKeeperDir();
    const before = logins();
    const [a, b] = await Promise.all([exec('uname -n', '--persist', '1m'), exec('uname -n', '--persist', '1m')]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(results(a)).toEqual(results(b));
    const st = await status();
    expect(st.hosts).toHaveLength(3);
    // Both may have connected before the other's connection was kept; never more than one each.
    for (const [i, n] of logins().entries()) expect(n - (before[i] ?? 0)).toBeLessThanOrEqual(2);
    const again = await exec('true', '--persist', '1m');
    expect(again.code).toBe(0);
  });

  it('fleet persist stop during a run: the run finishes normally, then the keeper ends', async () => {
    newKeeperDir();
    expect((await exec('true', '--persist', '1m')).code).toBe(0);
    const { pid } = await status();
    const run = startFleet(['exec', 'sleep 1; echo done', '-i', lab.inventoryFile, '--output', 'json', '--persist', '1m']);
    await waitFor('the command to run on every host', async () => (await status()).hosts.every((h) => h.active === 1));
    expect((await fleet(['persist', 'stop'])).code).toBe(0);
    const finished = await run.done;
    expect(finished.code).toBe(0);
    expect(results(finished).map((r) => r.stdout)).toEqual(['done\n', 'done\n', 'done\n']);
    await waitFor('the keeper to exit', () => !alive(pid as number));
  });

  it('the idle timer closes the connections and ends the keeper', async () => {
    newKeeperDir();
    const t0 = Date.now();
    expect((await exec('true', '--persist', '2s', '-l', 'lab001')).code).toBe(0);
    const { pid } = await status();
    expect(alive(pid as number)).toBe(true);
    await waitFor('the keeper to exit', () => !alive(pid as number));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(await status()).toMatchObject({ running: false });
  });
});
