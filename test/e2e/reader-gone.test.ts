/**
 * A reader that goes away (`fleet exec ... | head -1`, `| less` then `q`) on the built CLI
 * (`npm run build` first), against a lab of 4 local sshd hosts: the test reads the first line of
 * fleet's stdout and closes its end of the pipe, as `head -1` does. fleet must stop like on a
 * second Ctrl-C (no new host, running commands killed on the hosts), print no stack trace and
 * exit 141 (128 + SIGPIPE), in every output mode.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { labProcesses, startLab, type Lab } from '../lab/lab.js';

const FLEET = path.resolve('bin/fleet');

let lab: Lab;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  lab = await startLab({ hosts: 4, name: 'e2e-reader-gone' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-reader-gone-'));
});
afterEach(() => {
  // A failed assertion must not leave a fleet process behind.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await lab?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface HeadRun {
  code: number | null;
  firstLine: string;
  stderr: string;
}

/**
 * Runs fleet ARGS, reads its stdout up to the first line that `wanted` accepts, then closes the
 * pipe (`| head -1`, or `| grep -m1`).
 */
async function fleetHeadOne(args: string[], wanted: (line: string) => boolean = () => true): Promise<HeadRun> {
  const child = spawn(process.execPath, [FLEET, ...args], {
    env: { PATH: process.env['PATH'], HOME: dir, XDG_CACHE_HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const firstLine = await new Promise<string>((resolve) => {
    let text = '';
    const onData = (d: Buffer): void => {
      text += d.toString();
      const line = text.split('\n').slice(0, -1).find(wanted);
      if (line === undefined) return;
      child.stdout?.off('data', onData);
      // The reader goes away: our end of the pipe closes, fleet's next write gets EPIPE.
      child.stdout?.destroy();
      resolve(line);
    };
    child.stdout?.on('data', onData);
  });
  return { code: await exited, firstLine, stderr };
}

const labArgs = (): string[] => ['-i', lab.inventoryFile, '--ssh-config', '/dev/null'];

/** Lab hosts on which the command created `/tmp/<marker>` (each host has its own /tmp). */
const startedOn = (marker: string): string[] => lab.hosts.filter((h) => existsSync(`/proc/${h.pid}/root/tmp/${marker}`)).map((h) => h.name);

const expectQuietExit141 = (run: HeadRun): void => {
  expect(run.code).toBe(141);
  expect(run.stderr).not.toMatch(/EPIPE|\n\s+at |internal error/);
};

describe('a reader that goes away', () => {
  // Modes that write as output arrives: the pipe closes while the commands still run.
  it.each(['stream', 'jsonl', 'auto'])('--output %s: running commands are killed, no new host starts, exit 141', async (mode) => {
    const marker = `fleet-started-${mode}`;
    const sleep = `sleep 31${mode.length}7`;
    // Much more output than a pipe holds, then a command that would outlive the test.
    const command = `touch /tmp/${marker}; seq 1 200000; ${sleep}`;
    // jsonl starts with run_start, before any host: wait for the first remote output line.
    const run = await fleetHeadOne(['exec', command, ...labArgs(), '-f', '2', '--output', mode], (line) => mode !== 'jsonl' || line.includes('"stdout"'));
    expectQuietExit141(run);
    expect(run.firstLine).not.toBe('');
    // Killed for real on the hosts (process group: the shell, seq and sleep), at fleet's exit.
    expect(labProcesses(lab, { pattern: sleep })).toEqual([]);
    // -f 2 and no host finished: the two other hosts never started.
    expect(startedOn(marker).length).toBeLessThanOrEqual(2);
    expect(startedOn(marker).length).toBeGreaterThan(0);
    // Skipped hosts say why; it was no Ctrl-C.
    expect(run.stderr).not.toMatch(/Ctrl-C/);
    if (mode !== 'jsonl') expect(run.stderr).toMatch(/skipped: FLEET_SKIPPED: not started: interrupted \(the reader of fleet's output went away\)/);
  });

  // Modes that write at the end: the closed pipe is found on the last write.
  it.each(['group', 'json'])('--output %s: exit 141 and no stack trace', async (mode) => {
    const run = await fleetHeadOne(['exec', 'seq 1 200000', ...labArgs(), '--output', mode]);
    expectQuietExit141(run);
  });

  it('fleet hosts | head -1: exit 141 and no stack trace', async () => {
    const inventory = path.join(dir, 'many.yaml');
    // Far more than the 64 KiB a pipe holds, so the table's write meets the closed pipe.
    await writeFile(inventory, 'hosts:\n  host[00001:20000].example.com: {host: 127.0.0.1}\n');
    const run = await fleetHeadOne(['hosts', '-i', inventory]);
    expectQuietExit141(run);
    expect(run.firstLine).toMatch(/^HOST\s+ADDRESS/);
  });
});
