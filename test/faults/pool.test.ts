/**
 * The connection pool against real servers: the cap holds for the process's real sockets, and
 * `fleet.close()` in the middle of a run (a blackholed host and a silent one still connecting, a
 * command running) cancels everything and leaves no socket or timer of fleet's behind.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../src/events.js';
import { openFleet } from '../../src/fleet.js';
import { loadInventory } from '../../src/inventory/index.js';
import { connect } from '../../src/session.js';
import { createSshTransport, type Transport } from '../../src/transport/index.js';
import { labProcesses, startLab, type Lab } from '../lab/lab.js';
import { direct, endpoint, hostSpecs } from './support/fault-hosts.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { startFullBacklog, type FullBacklog } from './support/full-backlog.js';
import { activeResources, excessOver } from './support/leaks.js';

/** This process's TCP sockets still connecting or whose far end is one of `ports` (fleet's client side only). */
function clientSocketsTo(ports: ReadonlySet<number>): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h) => h instanceof Socket && !h.destroyed && (h.connecting || (h.remotePort !== undefined && ports.has(h.remotePort)))).length;
}

/** Resolves once `check()` holds, looking at each turn of the event loop (a marker, not a sleep). */
async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the connection pool on real servers', () => {
  let lab: Lab;
  let silent: FaultProxy;
  let backlog: FullBacklog;

  beforeAll(async () => {
    lab = await startLab({ hosts: 30, name: 'faults-pool' });
    silent = await startFaultProxy({ kind: 'silent' });
    backlog = await startFullBacklog();
  });
  afterAll(async () => {
    await silent?.close();
    await backlog?.close();
    await lab?.stop();
  });

  it('30 hosts at forks 10 with maxConnections 5: every host ok, never more than 5 sockets open', async () => {
    const inventory = await loadInventory(lab.inventoryFile, { sshConfig: false });
    const before = clientSocketsTo(new Set([22]));
    let peak = 0;
    const fleet = openFleet({ inventory, forks: 10, maxConnections: 5 });
    try {
      const report = await fleet.exec('uname -n', {
        onEvent: () => {
          peak = Math.max(peak, clientSocketsTo(new Set([22])) - before);
        },
      });
      expect(report.summary).toMatchObject({ total: 30, ok: 30 });
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(5);
      expect((await fleet.connectionStats()).peak).toBeLessThanOrEqual(5);
    } finally {
      await fleet.close();
    }
  });

  it('close() during a run cancels connects (blackholed, silent) and commands in flight; no socket or timer of fleet remains', async () => {
    const ok = lab.hosts[0];
    if (ok === undefined) throw new Error('no lab host');
    const specs = hostSpecs(lab, [direct(ok, 'busy'), endpoint('silent', silent), endpoint('blackholed', backlog)]);
    const ports = new Set([22, silent.port, backlog.port]);
    const baseline = activeResources();
    const socketsBefore = clientSocketsTo(ports);
    const fleet = openFleet({ inventory: specs, connectTimeoutMs: 60_000 });
    const events: FleetEvent[] = [];
    const running = fleet.exec('sleep 97; echo never', { onEvent: (e) => events.push(e) });
    // Markers: the command runs on `busy`, and the silent server has our connection.
    await until(() => events.some((e) => e.type === 'host_state' && e.host === 'busy' && e.state === 'running'), 'busy to run its command');
    await until(() => silent.accepted > 0, 'the silent host to accept');
    expect(clientSocketsTo(ports) - socketsBefore).toBe(3);

    const t0 = performance.now();
    await fleet.close();
    expect(performance.now() - t0).toBeLessThan(5000);
    const report = await running;
    expect(Object.fromEntries(report.results.map((r) => [r.host, r.ok ? 'ok' : r.error?.code]))).toEqual({
      busy: 'FLEET_CANCELLED',
      silent: 'FLEET_CANCELLED',
      blackholed: 'FLEET_CANCELLED',
    });
    // Nothing of fleet's is left, checked at once (no settle): sockets, timers, anything else.
    expect(clientSocketsTo(ports) - socketsBefore).toBe(0);
    expect(excessOver(baseline)).toEqual({});
    // And the remote command was killed.
    expect(labProcesses(lab, { host: ok.name, pattern: 'sleep 97' })).toEqual([]);
  });

  it.each([1, 3])('maxConnections %i with hosts behind a jump host and hosts reached directly: never more TCP connections than the cap', async (cap) => {
    const [bastionHost, ...rest] = lab.hosts;
    if (bastionHost === undefined || rest.length < 12) throw new Error('too few lab hosts');
    const behind = rest.slice(0, 6).map((h) => direct(h, `behind-${h.name}`));
    const directly = rest.slice(6, 12).map((h) => direct(h));
    const [bastion, ...targets] = hostSpecs(lab, [direct(bastionHost, 'bastion'), ...behind, ...directly]);
    if (bastion === undefined) throw new Error('no bastion');
    // The hosts behind the jump host first: their jump host is open when the others connect.
    const inventory = targets.map((t) => (t.name.startsWith('behind-') ? { ...t, proxyJump: 'bastion' } : t));
    const before = clientSocketsTo(new Set([22]));
    let peak = 0;
    const fleet = openFleet({ inventory, jumpHosts: [bastion], forks: 12, maxConnections: cap });
    try {
      const report = await fleet.exec('uname -n', {
        onEvent: () => {
          peak = Math.max(peak, clientSocketsTo(new Set([22])) - before);
        },
      });
      expect(report.summary).toMatchObject({ total: 12, ok: 12 });
      // Each host ran where it should: behind-labNNN on labNNN, through the bastion.
      for (const r of report.results) expect(r.value?.stdout.trim()).toBe(r.host.replace(/^behind-/, ''));
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(cap);
      expect((await fleet.connectionStats()).peak).toBeLessThanOrEqual(cap);
    } finally {
      await fleet.close();
    }
    expect(clientSocketsTo(new Set([22])) - before).toBe(0);
  });

  it('Session: running out of descriptors while connecting is back-pressure (the pool waits and connects again), not a failure', async () => {
    const host = lab.hosts[0];
    if (host === undefined) throw new Error('no lab host');
    const [spec] = hostSpecs(lab, [direct(host)]);
    if (spec === undefined) throw new Error('no spec');
    const real = createSshTransport();
    const failures: unknown[] = [];
    let attempts = 0;
    // The first connect meets a process that has no descriptor left (a real EMFILE from the
    // socket it opens); the descriptors come back as soon as that attempt has failed.
    const transport: Transport = {
      connect: async (target, options) => {
        attempts += 1;
        if (attempts > 1) return real.connect(target, options);
        const release = exhaustDescriptors();
        try {
          return await real.connect(target, options);
        } catch (error) {
          failures.push(error);
          throw error;
        } finally {
          release();
        }
      },
    };
    await using session = await connect(spec, { transport, connectTimeoutMs: 10_000 });
    expect(failures).toHaveLength(1);
    expect(String((failures[0] as Error).message) + String((failures[0] as { cause?: unknown }).cause)).toMatch(/EMFILE/);
    expect(attempts).toBe(2);
    expect((await session.exec('uname -n')).stdout.trim()).toBe(host.name);
  });
});

/**
 * Lowers this process's descriptor limit to what it has open plus a few and opens those few:
 * the next socket fails with EMFILE. The returned function closes them and restores the limit.
 */
function exhaustDescriptors(): () => void {
  const pid = String(process.pid);
  const limits = execFileSync('prlimit', ['--pid', pid, '--nofile', '--noheadings', '--raw', '--output=SOFT,HARD'], { encoding: 'utf8' }).trim().split(/\s+/);
  const [soft, hard] = limits;
  const open = readdirSync('/proc/self/fd').length;
  execFileSync('prlimit', ['--pid', pid, `--nofile=${open + 16}:${hard}`]);
  const held: number[] = [];
  try {
    for (;;) held.push(openSync('/dev/null', 'r'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EMFILE') throw error;
  }
  return () => {
    for (const fd of held.splice(0)) closeSync(fd);
    execFileSync('prlimit', ['--pid', pid, `--nofile=${soft}:${hard}`]);
  };
}
