/**
 * A frozen host (its session's sshd stopped with SIGSTOP: the TCP connection stays up, nothing
 * answers) is detected by keepalives within the configured bound: `--keepalive 1s,2` on the
 * command line, or `server_alive_interval` / `server_alive_count_max` in the inventory.
 * Runs the built CLI (`npm run build` first).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { labProcesses, startLab, type Lab } from '../lab/lab.js';
import { spawnFleet } from '../support/spawn-fleet.js';
import { useLeakGuard } from './support/checks.js';

// 1 s interval, 2 unanswered: ssh2 declares the connection lost at the 3rd tick, ~3 s after the freeze.
const BOUND_MS = 3 * 1000 + 2000;

describe('keepalive', () => {
  let lab: Lab;
  let stopped: number[] = [];
  useLeakGuard();

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, name: 'faults-keepalive' });
  });
  afterEach(async () => {
    // Thaw what the test froze, then end the session and its command (fleet could not reach them).
    // A process may end between the listing and the kill (its parent went first): ESRCH is fine.
    const kill = (pid: number, signal: NodeJS.Signals): void => {
      try {
        process.kill(pid, signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    };
    for (const pid of stopped) kill(pid, 'SIGCONT');
    stopped = [];
    for (const p of labProcesses(lab, { pattern: /sleep 4243|^sshd/ })) kill(p.pid, 'SIGKILL');
    // The next test's marker is a running `sleep 4243`: this one's must be gone first.
    await vi.waitFor(() => expect(labProcesses(lab, { pattern: /sleep 4243|^sshd/ })).toEqual([]), { timeout: 10_000, interval: 100 });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  /** Runs `args`; once the remote command runs, freezes the host's session; returns the run and ms from freeze to end. */
  async function freezeDuring(args: string[]): Promise<{ code: number; error: { code: string; message: string }; frozenMs: number }> {
    // The built CLI in its own process: scanning /proc below must not slow its event loop.
    const run = spawnFleet(['exec', 'sleep 4243', '--ssh-config', '/dev/null', '--output', 'json', ...args], { cwd: lab.dir });
    await vi.waitFor(() => expect(labProcesses(lab, { pattern: /^sleep 4243/ })).toHaveLength(1), { timeout: 20_000, interval: 200 });
    // The session's sshd processes (not the listener): SIGSTOP keeps the socket open and silent.
    stopped = labProcesses(lab, { pattern: /^sshd/ }).map((p) => p.pid);
    expect(stopped.length).toBeGreaterThan(0);
    for (const pid of stopped) process.kill(pid, 'SIGSTOP');
    const t0 = performance.now();
    const result = await run;
    const doc = JSON.parse(result.stdout) as { hosts: { error: { code: string; message: string } }[] };
    const frozenMs = performance.now() - t0;
    return { code: result.code, error: doc.hosts[0]!.error, frozenMs };
  }

  it('--keepalive 1s,2: FLEET_CONNECTION_LOST within ~3 s of the freeze', async () => {
    const out = await freezeDuring(['-i', lab.inventoryFile, '--keepalive', '1s,2']);
    expect(out.code).toBe(3);
    expect(out.error.code).toBe('FLEET_CONNECTION_LOST');
    expect(out.error.message).toMatch(/keepalive/i);
    expect(out.frozenMs).toBeLessThan(BOUND_MS);
    expect(out.frozenMs).toBeGreaterThan(1500);
  });

  it('server_alive_interval / server_alive_count_max in the inventory do the same', async () => {
    const host = lab.hosts[0] as Lab['hosts'][0];
    const inventory = join(lab.dir, 'keepalive.yaml');
    writeFileSync(
      inventory,
      [
        `defaults: {user: root, key: ${lab.keyFile}, known_hosts: ${lab.knownHostsFile}, server_alive_interval: 1s, server_alive_count_max: 2}`,
        'hosts:',
        `  ${host.name}: {host: ${host.address}}`,
        '',
      ].join('\n'),
    );
    const out = await freezeDuring(['-i', inventory]);
    expect(out.error.code).toBe('FLEET_CONNECTION_LOST');
    expect(out.frozenMs).toBeLessThan(BOUND_MS);
  });
});
