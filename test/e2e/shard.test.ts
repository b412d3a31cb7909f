/**
 * Sharded runs on the built CLI (`npm run build` first) against a lab of 12 local sshd hosts:
 * `fleet shards`, `--shard K/N` and its usage errors, an empty shard, 4 shards merged by
 * `fleet report` against one unsharded run, retry refusal, and a shard killed with SIGKILL
 * (lost hosts, exit 3) then retried with its journal (nothing runs twice: counted on each host).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { selectShard } from '../../src/shard/plan.js';
import { labProcesses, startLab, type Lab } from '../lab/lab.js';
import { jsonlEvents, spawnFleet, type SpawnedRun } from '../support/spawn-fleet.js';

const FLEET = path.resolve('bin/fleet');
const N = 4;
let lab: Lab;
let work: string;
let names: string[];
const children: ChildProcess[] = [];

beforeAll(async () => {
  lab = await startLab({ hosts: 12, name: 'e2e-shard' });
  names = lab.hosts.map((h) => h.name);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-shard-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await lab?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], HOME: work, XDG_CACHE_HOME: path.join(work, 'cache'), ...extra };
}

/** `fleet ARGS` (lab inventory added for host commands without -H); resolves whatever the exit code. */
function fleet(args: string[], extraEnv: Record<string, string> = {}): Promise<SpawnedRun> {
  const inv = ['exec', 'put', 'get', 'run', 'hosts', 'shards'].includes(args[0] as string) && !args.includes('-H') ? ['-i', lab.inventoryFile, '--ssh-config', '/dev/null'] : [];
  return spawnFleet([...args, ...inv], { cwd: work, env: { XDG_CACHE_HOME: path.join(work, 'cache'), ...extraEnv } });
}

const shardHosts = (k: number, total = N): string[] => selectShard(names, (x) => x, k, total).hosts;

describe('fleet shards / --shard K/N', () => {
  it('fleet shards N prints every host once, counts that add up, and the plan hash the shards carry', async () => {
    const run = await fleet(['shards', String(N), '--json']);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { planHash: string; counts: number[]; hosts: { host: string; shard: number }[] };
    expect(plan.hosts.map((h) => h.host)).toEqual(names);
    expect(plan.counts.reduce((a, b) => a + b, 0)).toBe(12);
    for (let k = 1; k <= N; k++) expect(plan.hosts.filter((h) => h.shard === k).map((h) => h.host)).toEqual(shardHosts(k));
    const listed = await fleet(['hosts', '--shard', `2/${N}`, '--json']);
    expect((JSON.parse(listed.stdout) as { hosts: { host: string }[] }).hosts.map((h) => h.host)).toEqual(shardHosts(2));
  });

  it.each([
    [['--shard', '0/4', '--run-id', 'x'], /count from 1/],
    [['--shard', '5/4', '--run-id', 'x'], /out of range/],
    [['--shard', '2/4'], /needs a run id/],
    [['--shard', 'auto', '--run-id', 'x'], /no scheduler index/],
  ])('exec %j is a usage error (exit 2) before any connection', async (args, message) => {
    const run = await fleet(['exec', 'true', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('--shard auto with two scheduler indexes at once is exit 2 naming both', async () => {
    const run = await fleet(['exec', 'true', '--shard', 'auto', '--shard-total', '4', '--run-id', 'x'], { JOB_COMPLETION_INDEX: '0', SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/JOB_COMPLETION_INDEX.*SLURM_ARRAY_TASK_ID/);
  });

  it('an empty shard succeeds (exit 0), says it is empty, and still writes its run_start and summary', async () => {
    // One host over 8 shards: 7 of them are empty.
    const host = names[0] as string;
    const empty = [1, 2, 3, 4, 5, 6, 7, 8].find((k) => selectShard([host], (x) => x, k, 8).hosts.length === 0) as number;
    const run = await fleet(['exec', 'true', '-l', host, '--shard', `${empty}/8`, '--run-id', 'empty', '--out-dir', 'out']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/is empty/);
    const events = jsonlEvents(fs.readFileSync(path.join(work, 'out', 'empty', `shard-${empty}-of-8.a1.jsonl`), 'utf8'));
    expect(events.map((e) => e.type)).toEqual(['run_start', 'summary']);
    expect(events[0]).toMatchObject({ runId: 'empty', attempt: 1, shard: { index: empty, total: 8 } });
  });
});

describe('4 shards and fleet report', () => {
  it('merge into what one unsharded run reports: same hosts, outputs, summary and exit code', async () => {
    // One host fails (exit 1), so the exit code says something.
    const cmd = 'uname -n; test "$(uname -n)" != lab005';
    const shards = await Promise.all([1, 2, 3, 4].map((k) => fleet(['exec', cmd, '--shard', `${k}/${N}`, '--out-dir', 'runs', '--output', 'group'], { FLEET_RUN_ID: 'merge1' })));
    const whole = await fleet(['exec', cmd, '--output', 'json']);
    const report = await fleet(['report', path.join('runs', 'merge1'), '--output', 'json', '--hosts-file', 'failed.txt', '--html', 'merged.html']);
    expect(whole.code).toBe(1);
    expect(report.code).toBe(whole.code);
    expect(shards.map((s) => s.code).sort()).toEqual(shards.map((s) => (s.stdout.includes('lab005') ? 1 : 0)).sort());
    type Doc = { hosts: { host: string; status: string; stdout: string; exitCode: number | null }[]; summary: unknown };
    const a = JSON.parse(report.stdout) as Doc;
    const b = JSON.parse(whole.stdout) as Doc;
    const pick = (d: Doc) => d.hosts.map(({ host, status, stdout, exitCode }) => ({ host, status, stdout, exitCode }));
    expect(pick(a)).toEqual(pick(b));
    expect(pick(a).every((h) => typeof h.exitCode === 'number')).toBe(true);
    expect(a.summary).toEqual(b.summary);
    // --html: the merged run as one page, every host of the plan in it, with the merged exit code.
    const page = fs.readFileSync(path.join(work, 'merged.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="fleet-data">([^<]*)<\/script>/.exec(page)?.[1] ?? '{}') as { exitCode?: number; hosts?: { name?: string; host?: string }[] };
    expect(data.exitCode).toBe(1);
    expect(data.hosts).toHaveLength(b.hosts.length);
    expect(fs.readFileSync(path.join(work, 'failed.txt'), 'utf8')).toMatch(/^lab005$/m);
    // -H @FILE reads it back (the rerun file's # lines are comments).
    const hosts = await fleet(['hosts', '-H', '@failed.txt', '--json']);
    expect((JSON.parse(hosts.stdout) as { hosts: { host: string }[] }).hosts.map((h) => h.host)).toEqual(['lab005']);
  });

  it('refuses to merge shards of different plans (exit 2)', async () => {
    await fleet(['exec', 'true', '--shard', '1/2', '--run-id', 'mix', '--out', 'mix-a.jsonl', '--output', 'jsonl']);
    await fleet(['exec', 'true', '-l', '!lab001', '--shard', '2/2', '--run-id', 'mix', '--out', 'mix-b.jsonl', '--output', 'jsonl']);
    const report = await fleet(['report', 'mix-a.jsonl', 'mix-b.jsonl']);
    expect(report.code).toBe(2);
    expect(report.stderr).toMatch(/plan/);
  });

  it('a shard that never started is reported by number (exit 3)', async () => {
    for (const k of [1, 2, 4]) await fleet(['exec', 'true', '--shard', `${k}/4`, '--out-dir', 'part'], { FLEET_RUN_ID: 'part' });
    const report = await fleet(['report', path.join('part', 'part')]);
    expect(report.code).toBe(3);
    expect(report.stderr).toMatch(/shard 3\/4 of run part never started/);
  });
});

describe('retries', () => {
  it('exec refuses a shard the scheduler ran before (exit 2, naming --on-retry); put proceeds', async () => {
    const run = await fleet(['exec', 'true', '--shard', '1/4', '--run-id', 'retry1'], { GITHUB_RUN_ATTEMPT: '2' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--on-retry/);
    expect(run.stderr).toMatch(/GITHUB_RUN_ATTEMPT=2/);
    const again = await fleet(['exec', 'true', '--shard', '1/4', '--run-id', 'retry1', '--on-retry', 'rerun'], { SLURM_RESTART_COUNT: '1' });
    expect(again.code).toBe(0);
    fs.writeFileSync(path.join(work, 'payload.txt'), 'x');
    const put = await fleet(['put', 'payload.txt', '/tmp/payload.txt', '--shard', '1/4', '--run-id', 'retry1'], { GITHUB_RUN_ATTEMPT: '2' });
    expect(put.code).toBe(0);
  });

  it('SIGKILL mid-shard: started-unfinished hosts are lost (exit 3); the retry with --journal runs only never-started hosts, so nothing runs twice', async () => {
    // The shard with the most hosts; its middle host blocks, so hosts before it finished and hosts after it never started (-f 1).
    const k = [1, 2, 3, 4].reduce((best, i) => (shardHosts(i).length > shardHosts(best).length ? i : best), 1);
    const hosts = shardHosts(k);
    expect(hosts.length).toBeGreaterThanOrEqual(3);
    const victim = hosts[1] as string;
    // Each execution appends a line to a file in the host's own home (a private tmpfs per lab host).
    const cmd = `echo run >> ~/shard-count; if [ "$(uname -n)" = ${victim} ]; then sleep 3306; fi`;
    const args = ['exec', cmd, '-f', '1', '--timeout', '60s', '--shard', `${k}/${N}`, '--out-dir', 'killed', '--journal', 'journal', '-i', lab.inventoryFile, '--ssh-config', '/dev/null', '--output', 'jsonl'];
    const child = spawn(process.execPath, [FLEET, ...args], { cwd: work, env: env({ FLEET_RUN_ID: 'kill1' }), stdio: 'ignore' });
    children.push(child);
    const exited = new Promise((resolve) => child.on('close', resolve));
    await vi.waitFor(() => expect(labProcesses(lab, { host: victim, pattern: 'sleep 3306' }).length).toBeGreaterThan(0), { timeout: 30_000, interval: 50 });
    child.kill('SIGKILL');
    await exited;

    const report = await fleet(['report', path.join('killed', 'kill1'), '--output', 'json']);
    expect(report.code).toBe(3);
    const statuses = Object.fromEntries((JSON.parse(report.stdout) as { hosts: { host: string; status: string }[] }).hosts.map((h) => [h.host, h.status]));
    expect(statuses[hosts[0] as string]).toBe('ok');
    expect(statuses[victim]).toBe('lost');
    for (const h of hosts.slice(2)) expect(statuses[h]).toBe('skipped');

    // The scheduler retries the shard: exec refuses unless told what to do.
    const refused = await fleet(args.slice(0, -6), { FLEET_RUN_ID: 'kill1' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/journal.*--on-retry/s);
    const retry = await fleet([...args.slice(0, -6), '--on-retry', 'skip-started'], { FLEET_RUN_ID: 'kill1' });
    expect(retry.code).toBe(3);
    expect(retry.stderr).toMatch(/1 host\(s\) finished before \(replayed\), 1 lost/);

    const counts = await fleet(['exec', 'wc -l < ~/shard-count', '-l', hosts.join(','), '--output', 'json']);
    const count = Object.fromEntries((JSON.parse(counts.stdout) as { hosts: { host: string; stdout: string }[] }).hosts.map((h) => [h.host, h.stdout.trim()]));
    for (const h of hosts) expect([h, count[h]]).toEqual([h, '1']);

    const merged = await fleet(['report', path.join('killed', 'kill1'), '--output', 'json']);
    expect(merged.code).toBe(3);
    const after = Object.fromEntries((JSON.parse(merged.stdout) as { hosts: { host: string; status: string }[] }).hosts.map((h) => [h.host, h.status]));
    expect(after).toEqual(Object.fromEntries(hosts.map((h) => [h, h === victim ? 'lost' : 'ok'])));
  });
});
