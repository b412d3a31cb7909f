/**
 * `group` and `json` output of the built CLI (`npm run build` first) against a lab of 3 local
 * sshd hosts: remote stderr stays apart from stdout in group mode (as in stream mode), and
 * however high `--max-output` is, the run's output held in memory stays within one budget (the
 * rest spills to a private temp file, removed at the end, Ctrl-C included).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { labProcesses, startLab, type Lab } from '../lab/lab.js';
import { FLEET_BIN, spawnFleet } from '../support/spawn-fleet.js';

const run = promisify(execFile);

let lab: Lab;
// fleet's own temp dir (TMPDIR of the spawned CLI): where its spill files go, watched here.
let tmp: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 3, name: 'e2e-group-json' });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'fleet-e2e-output-'));
});
afterAll(async () => {
  await lab?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const common = (): string[] => ['-i', lab.inventoryFile, '--ssh-config', '/dev/null'];

describe('group output and stderr', () => {
  it('prints remote stderr on fleet\'s stderr, under the group header marked stderr: 2>/dev/null hides it', async () => {
    const result = await spawnFleet(['exec', 'echo out-$(uname -n); echo err-line >&2', ...common(), '--output', 'group', '-q'], { env: { TMPDIR: tmp } });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(lab.hosts.map((h) => `---------------- ${h.name} (1 host) exit 0\nout-${h.name}\n`).join(''));
    expect(result.stdout).not.toContain('err-line');
    expect(result.stderr).toBe(lab.hosts.map((h) => `---------------- ${h.name} (1 host) exit 0 stderr\nerr-line\n`).join(''));
  });
});

/** Peak RSS (KiB) of `fleet ARGS` under /usr/bin/time, and the bytes it wrote on stdout (counted, not kept). */
async function peakRss(args: readonly string[]): Promise<{ rssKiB: number; stdoutBytes: number; stderr: string }> {
  const rssFile = path.join(tmp, 'rss');
  const quoted = [process.execPath, FLEET_BIN, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  const { stdout, stderr } = await run('sh', ['-c', `/usr/bin/time -f %M -o ${rssFile} ${quoted} | wc -c`], {
    env: { PATH: process.env['PATH'] ?? '', HOME: tmp, TMPDIR: tmp },
    maxBuffer: 16 * 1024 * 1024,
  });
  return { rssKiB: Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)), stdoutBytes: Number(stdout.trim()), stderr };
}

// 200 MB of output per host, its own (a group per host), cut at 100 MiB each: 300 MiB for the run.
const FLOOD = 'yes "$(uname -n) 0123456789" | head -c 200000000';
const MAX_OUTPUT = 100 * 1024 * 1024;

describe('memory: group and json stay bounded whatever --max-output is', () => {
  for (const mode of ['group', 'json']) {
    it(`${mode}: 3 hosts x 200 MB with --max-output 100MiB peak under 300 MB RSS; the spill file is gone afterwards`, async () => {
      const { rssKiB, stdoutBytes, stderr } = await peakRss(['exec', FLOOD, ...common(), '--output', mode, '--max-output', '100MiB', '-q']);
      expect(stderr).toBe('');
      console.info(`${mode}: peak RSS ${Math.round(rssKiB / 1024)} MiB, ${stdoutBytes} bytes out`);
      // Every host's capped output came out (json escapes nothing in this text).
      expect(stdoutBytes).toBeGreaterThan(3 * MAX_OUTPUT);
      expect(rssKiB * 1024).toBeLessThan(300_000_000);
      expect(readdirSync(tmp).filter((f) => f.startsWith('fleet-'))).toEqual([]);
    });
  }

  it('Ctrl-C twice while group output is spilled: the temp file is removed, nothing runs on the hosts', async () => {
    const command = 'yes 0123456789abcdef | head -c 100000000; sleep 3005';
    const child = spawn(process.execPath, [FLEET_BIN, 'exec', command, ...common(), '--output', 'group', '--max-output', '100MiB'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: tmp, TMPDIR: tmp },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      // Past the 64 MiB budget, the output is in a fleet-output-* directory of TMPDIR.
      await vi.waitFor(() => expect(readdirSync(tmp).filter((f) => f.startsWith('fleet-output-'))).toHaveLength(1), { timeout: 60_000, interval: 100 });
      // Private: remote output can be sensitive.
      const spillDir = path.join(tmp, readdirSync(tmp).find((f) => f.startsWith('fleet-output-')) as string);
      expect(statSync(spillDir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(spillDir, 'spill')).mode & 0o777).toBe(0o600);
      await vi.waitFor(() => expect(labProcesses(lab, { pattern: 'sleep 3005' })).toHaveLength(3), { timeout: 60_000, interval: 100 });
      child.kill('SIGINT');
      await vi.waitFor(() => expect(stderr).toContain('starting no new hosts'), { timeout: 10_000, interval: 20 });
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(readdirSync(tmp).filter((f) => f.startsWith('fleet-'))).toEqual([]);
      expect(labProcesses(lab, { pattern: 'sleep 3005' })).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
