/**
 * SIGTERM is honoured within 1 s at every stage of the built CLI (`npm run build` first):
 * while a huge inventory is parsed (synchronous work, where a JavaScript signal handler could
 * not run) and while a host that never sends its banner holds the handshake. Each test waits
 * for a marker that the stage is under way, never a sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const FLEET = path.resolve('bin/fleet');

let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-signals-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnFleet(args: string[]): Spawned {
  const child = spawn(process.execPath, [FLEET, ...args], { env: { PATH: process.env['PATH'], HOME: dir, XDG_CACHE_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => stdout, exited };
}

/** Bytes the process has read so far (all files), from /proc/PID/io. */
const bytesRead = (pid: number): number => Number(/rchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);

/** Sends `signal` and resolves to how long the process took to exit, and how it did. */
async function terminate(run: Spawned, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }> {
  const started = performance.now();
  run.child.kill(signal);
  const how = await run.exited;
  return { ms: performance.now() - started, ...how };
}

describe('Ctrl-C and SIGTERM within 1 s', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s while a huge inventory is being parsed', async (signal) => {
    const inventory = path.join(dir, 'huge.yaml');
    if (!existsSync(inventory)) {
      const lines = ['hosts:'];
      for (let i = 0; i < 140_000; i++) lines.push(`  h${i}: {host: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}, labels: {role: web}}`);
      await writeFile(inventory, `${lines.join('\n')}\n`);
    }
    const size = (await stat(inventory)).size;

    const run = spawnFleet(['exec', 'true', '-i', inventory, '--output', 'jsonl']);
    // Marker: the whole file has been read (start-up reads well under 1 MB): parsing is under way.
    await vi.waitFor(() => expect(bytesRead(run.child.pid ?? 0)).toBeGreaterThan(size), { timeout: 60_000, interval: 5 });
    // Still parsing: no host has started (no run_start event yet).
    expect(run.stdout()).toBe('');
    const ended = await terminate(run, signal);
    expect(ended.ms).toBeLessThan(1_000);
    // Nothing was started: the signal's default action ended the process.
    expect(ended.signal).toBe(signal);
  });

  it('while a host holds the handshake without a banner', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const inventory = path.join(dir, 'silent.yaml');
    await writeFile(inventory, `hosts:\n  silent: {host: 127.0.0.1, port: ${port}}\n`);
    try {
      const run = spawnFleet(['exec', 'true', '-i', inventory, '--ssh-config', '/dev/null', '--connect-timeout', '120s', '--output', 'jsonl']);
      // Marker: fleet's connection reached the silent server.
      await vi.waitFor(() => expect(sockets.length).toBe(1), { timeout: 30_000, interval: 5 });
      const ended = await terminate(run);
      expect(ended.ms).toBeLessThan(1_000);
      expect(ended.code).toBe(130);
      expect(run.stdout()).toContain('"interrupted"');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
