import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { AuthError, connect, openFleet, type FleetEvent, type Session } from '../../src/index.js';
import { loadInventory } from '../../src/inventory/index.js';

const sshd = inject('sshd');
const run = promisify(execFile);
const c1 = sshd.containers[0] as (typeof sshd.containers)[number];
const target = `${c1.host}:${c1.port}`;
const strict = { knownHostsFiles: [sshd.knownHostsFile], hostKeyPolicy: 'strict' as const, env: {} };

/** What every auth way must give: the same working session. */
async function checkSession(session: Session, user: string): Promise<void> {
  const who = await session.exec('id -un; uname -n');
  expect(who).toMatchObject({ stdout: `${user}\n${c1.name}\n`, stderr: '', code: 0, signal: null });
  expect((await session.exec('echo oops >&2; exit 3')).code).toBe(3);
}

describe('connect(): a Session on one host, four ways to authenticate', () => {
  it('password (literal, never put in process.env)', async () => {
    await using session = await connect(`tester@${target}`, { ...strict, password: sshd.testerPassword });
    await checkSession(session, 'tester');
    expect(Object.values(process.env)).not.toContain(sshd.testerPassword);
  });

  it('a wrong password is an AuthError listing the attempts', async () => {
    const error = await connect(`tester@${target}`, { ...strict, password: 'not-it' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('FLEET_AUTH_FAILED');
    expect((error as AuthError).attempts.map((a) => a.method)).toContain('password');
    expect(JSON.stringify((error as AuthError).attempts)).not.toContain('not-it');
  });

  it('key file (and an encrypted one with its passphrase)', async () => {
    await using session = await connect(target, { ...strict, user: 'root', identityFiles: [sshd.keys.id_ed25519] });
    await checkSession(session, 'root');
    await using encrypted = await connect(target, { ...strict, user: 'root', identityFiles: [sshd.keys.id_ed25519_encrypted], passphrase: sshd.keyPassphrase });
    expect((await encrypted.exec('id -un')).stdout).toBe('root\n');
  });

  it('key text', async () => {
    const privateKey = await readFile(sshd.keys.id_rsa, 'utf8');
    await using session = await connect(`root@${target}`, { ...strict, privateKey });
    await checkSession(session, 'root');
  });

  describe('ssh-agent', () => {
    let dir: string;
    let agent: ChildProcess;
    let socket: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-agent-'));
      socket = path.join(dir, 'agent.sock');
      // -D: stays in the foreground as our child, so it is ours to kill.
      agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      await vi.waitFor(() => expect(existsSync(socket)).toBe(true), { timeout: 10_000 });
      await run('ssh-add', [sshd.keys.id_ed25519], { env: { SSH_AUTH_SOCK: socket, PATH: process.env['PATH'] } });
    });
    afterAll(async () => {
      agent?.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    });

    it('by socket path, or SSH_AUTH_SOCK from env', async () => {
      await using session = await connect(`root@${target}`, { ...strict, agent: socket });
      await checkSession(session, 'root');
      await using fromEnv = await connect(`root@${target}`, { ...strict, agent: true, env: { SSH_AUTH_SOCK: socket } });
      expect((await fromEnv.exec('id -un')).stdout).toBe('root\n');
    });
  });
});

describe('Session: exec, files, sha256 on one transport', () => {
  let session: Session;
  let dir: string;
  beforeAll(async () => {
    session = await connect(`root@${target}`, { ...strict, identityFiles: [sshd.keys.id_ed25519] });
    dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-session-'));
  });
  afterAll(async () => {
    await session?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exec passes env and stdin, and a timeout kills the command (FLEET_TIMEOUT)', async () => {
    expect((await session.exec('echo "$GREETING"; cat', { env: { GREETING: 'hi there' }, stdin: 'from stdin' })).stdout).toBe('hi there\nfrom stdin');
    await expect(session.exec('sleep 30', { timeoutMs: 300 })).rejects.toMatchObject({ code: 'FLEET_TIMEOUT' });
    expect((await session.exec('pgrep -f "slee[p] 30" || echo none')).stdout).toBe('none\n');
  });

  it('put uploads verified, rename moves into place, get downloads verified, sha256 hashes on the host', async () => {
    const local = path.join(dir, 'payload.bin');
    const data = Buffer.alloc(300_000, 7);
    await writeFile(local, data);
    const digest = createHash('sha256').update(data).digest('hex');
    const sent = await session.put(local, '/tmp/fleet-lib/payload.bin.new', { mode: 0o640 });
    expect(sent).toMatchObject({ files: 1, bytes: data.length, verified: 'sha256' });
    await session.rename('/tmp/fleet-lib/payload.bin.new', '/tmp/fleet-lib/payload.bin');
    expect(await session.sha256('/tmp/fleet-lib/payload.bin')).toBe(digest);
    expect((await session.exec('stat -c %a /tmp/fleet-lib/payload.bin; ls /tmp/fleet-lib')).stdout).toBe('640\npayload.bin\n');
    const got = await session.get('/tmp/fleet-lib/payload.bin', dir);
    expect(got).toMatchObject({ files: 1, bytes: data.length, verified: 'sha256' });
    // As `fleet get`: into DIR/<host>/, so one host's code works for many.
    expect((await readFile(path.join(dir, session.host, 'payload.bin'))).equals(data)).toBe(true);
    await expect(session.sha256('/tmp/fleet-lib/missing')).rejects.toMatchObject({ code: 'FLEET_SFTP_NO_SUCH_FILE' });
    await expect(session.rename('/tmp/fleet-lib/missing', '/tmp/fleet-lib/x')).rejects.toMatchObject({ code: 'FLEET_SFTP_NO_SUCH_FILE' });
  });
});

describe('Fleet: the event stream beside per-call onEvent', () => {
  it('on(type) and events() see every operation; close() ends the iterator', async () => {
    const inventory = await loadInventory(sshd.inventoryFile, { sshConfig: false });
    const fleet = openFleet({ inventory });
    const exits: string[] = [];
    const off = fleet.on('exit', (e) => exits.push(`${e.host}:${e.status}`));
    const iterated: FleetEvent[] = [];
    const consumer = (async () => {
      for await (const event of fleet.events({ types: ['run_start', 'summary'] })) iterated.push(event);
    })();
    const perCall: FleetEvent[] = [];
    await fleet.exec('true', { onEvent: (e) => perCall.push(e) });
    await fleet.run([{ exec: 'uname -n', register: 'n' }, { exec: 'test {{ n }} = "$(uname -n)"' }]);
    off();
    await fleet.exec('true');
    await fleet.close();
    await consumer;
    expect(exits.sort()).toEqual(['c1:ok', 'c1:ok', 'c1:ok', 'c2:ok', 'c2:ok', 'c2:ok', 'c3:ok', 'c3:ok', 'c3:ok']);
    expect(iterated.map((e) => e.type)).toEqual(['run_start', 'summary', 'run_start', 'summary', 'run_start', 'summary']);
    expect(perCall.filter((e) => e.type === 'exit')).toHaveLength(3);
  });

  it('an iterator that falls behind its buffer ends with FLEET_EVENTS_OVERFLOW, not silent loss', async () => {
    const inventory = await loadInventory(sshd.inventoryFile, { sshConfig: false });
    await using fleet = openFleet({ inventory });
    const events = fleet.events({ bufferSize: 3 });
    await fleet.exec('true');
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of events) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['run_start', 'host_state', 'host_state']);
    expect(error).toMatchObject({ code: 'FLEET_EVENTS_OVERFLOW' });
  });
});
