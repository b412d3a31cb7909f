/**
 * A real one-node Slurm (Debian slurm-wlm + munge, started by scripts/slurm-up.sh with its own
 * state dir and ports, stopped by pid by scripts/slurm-down.sh) runs `fleet exec --shard auto`
 * as a job array against a 12-host lab; `fleet report` merges the tasks into one run. A
 * requeued task (the scheduler's retry) makes exec refuse. `npm run build` first; root only.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';

const FLEET = path.resolve('bin/fleet');
const UP = path.resolve('scripts/slurm-up.sh');
const DOWN = path.resolve('scripts/slurm-down.sh');

/** Why Slurm cannot run here, or undefined: binaries missing and the install failing is the only reason to skip. */
function slurmUnavailable(): string | undefined {
  const has = (bin: string): boolean => {
    try {
      execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (['slurmctld', 'slurmd', 'munged', 'sbatch'].every(has)) return undefined;
  if (process.getuid?.() !== 0) return 'slurm-wlm/munge are not installed and installing them needs root';
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'slurm-wlm', 'munge'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (error) {
    return `apt-get install slurm-wlm munge failed: ${(error as Error).message}`;
  }
  return ['slurmctld', 'slurmd', 'munged', 'sbatch'].every(has) ? undefined : 'slurm-wlm installed but its binaries are not on PATH';
}

const skipReason = slurmUnavailable();
if (skipReason !== undefined) console.warn(`shard-slurm: skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('Slurm job arrays', () => {
  let lab: Lab;
  let work: string;
  let slurmDir: string;
  let slurmEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-slurm-'));
    // Not under /tmp: the daemons' state must outlive nothing but this test, yet stay out of the hosts' private /tmp.
    slurmDir = fs.mkdtempSync('/var/lib/fleet-slurm-e2e-');
    const port = String(20_000 + (process.pid % 10_000) * 2);
    slurmEnv = { PATH: process.env['PATH'], HOME: work, FLEET_SLURM_DIR: slurmDir, FLEET_SLURM_PORT: port };
    const conf = execFileSync('bash', [UP], { env: slurmEnv, encoding: 'utf8', timeout: 120_000 }).trim();
    slurmEnv = { ...slurmEnv, SLURM_CONF: conf };
    lab = await startLab({ hosts: 12, name: 'e2e-slurm', concurrency: 12, timeoutMs: 120_000 });
  });
  afterAll(async () => {
    if (slurmEnv?.['SLURM_CONF']) {
      try {
        execFileSync('scancel', ['--user', 'root'], { env: slurmEnv, stdio: 'ignore' });
      } catch {
        // nothing queued
      }
    }
    if (slurmDir) execFileSync('bash', [DOWN, '--purge'], { env: { ...slurmEnv, FLEET_SLURM_DIR: slurmDir }, stdio: 'ignore' });
    await lab?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const sh = (cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) =>
      execFile(cmd, args, { cwd: work, env: slurmEnv, maxBuffer: 64 << 20 }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr })),
    );
  const fleetLine = (cmd: string): string =>
    `${process.execPath} ${FLEET} exec '${cmd}' -i ${lab.inventoryFile} --ssh-config /dev/null --connect-timeout 60s --shard auto --out-dir ${path.join(work, 'runs')} --output jsonl`;
  /** Submits an array; resolves to the array job id once every task has left the queue. */
  async function runArray(extra: string[], cmd: string): Promise<string> {
    const sub = await sh('sbatch', ['--parsable', '--array=1-4', ...extra, '--chdir', work, '-o', path.join(work, 'task-%A_%a.txt'), '--wrap', fleetLine(cmd)]);
    expect(sub.code, sub.stderr).toBe(0);
    const job = sub.stdout.trim().split(';')[0] as string;
    await waitForQueueEmpty(job);
    return job;
  }
  async function waitForQueueEmpty(job: string): Promise<void> {
    await vi.waitFor(
      async () => {
        const q = await sh('squeue', ['-h', '-j', job]);
        expect(q.stdout.trim()).toBe('');
      },
      { timeout: 120_000, interval: 250 },
    );
  }

  it('sbatch --array=1-4 --no-requeue: 4 shards, merged by fleet report, equal one unsharded run', async () => {
    const cmd = 'uname -n';
    const job = await runArray(['--no-requeue'], cmd);
    const files = fs.readdirSync(path.join(work, 'runs', job)).sort();
    expect(files).toEqual([1, 2, 3, 4].map((k) => `shard-${k}-of-4.a1.jsonl`));
    const report = await sh(process.execPath, [FLEET, 'report', path.join(work, 'runs', job), '--output', 'json']);
    expect(report.code, report.stderr).toBe(0);
    const whole = await sh(process.execPath, [FLEET, 'exec', cmd, '-i', lab.inventoryFile, '--ssh-config', '/dev/null', '--output', 'json']);
    type Doc = { hosts: { host: string; status: string; stdout: string }[]; summary: unknown };
    const pick = (d: Doc) => d.hosts.map(({ host, status, stdout }) => ({ host, status, stdout }));
    expect(pick(JSON.parse(report.stdout) as Doc)).toEqual(pick(JSON.parse(whole.stdout) as Doc));
    expect((JSON.parse(report.stdout) as Doc).summary).toEqual((JSON.parse(whole.stdout) as Doc).summary);
    // --no-requeue: Slurm itself refuses to run a finished task again.
    const requeue = await sh('scontrol', ['requeue', `${job}_2`]);
    expect(requeue.code).not.toBe(0);
    expect(requeue.stderr).toMatch(/disabled/);
  });

  it('a requeued array task (SLURM_RESTART_COUNT=1) makes exec refuse with exit 2, naming --on-retry', async () => {
    const job = await runArray(['--requeue', '--open-mode=append'], 'true');
    const requeue = await sh('scontrol', ['requeue', `${job}_2`]);
    expect(requeue.code, requeue.stderr).toBe(0);
    // A requeued job waits for a begin time; let it start now.
    await sh('scontrol', ['update', `jobid=${job}_2`, 'StartTime=now']);
    await waitForQueueEmpty(job);
    const log = fs.readFileSync(path.join(work, `task-${job}_2.txt`), 'utf8');
    expect(log).toMatch(/ran before \(SLURM_RESTART_COUNT=1\).*--on-retry/);
    // Only the first attempt's file: the refused retry wrote nothing.
    expect(fs.readdirSync(path.join(work, 'runs', job)).filter((f) => f.startsWith('shard-2-'))).toEqual(['shard-2-of-4.a1.jsonl']);
  });
});
