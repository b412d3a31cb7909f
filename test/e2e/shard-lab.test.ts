/**
 * Sharding at lab scale (`npm run build` first): 400 local sshd hosts, 4 shards run in parallel
 * and merged by `fleet report` equal one unsharded run host for host; a shard killed with
 * SIGKILL mid-run leaves its started-unfinished hosts `lost` (exit 3), and its retry with the
 * journal runs only the hosts that never started (each host's executions are counted in a file
 * in its own home).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { selectShard } from '../../src/shard/plan.js';
import { startLab, type Lab } from '../lab/lab.js';
import { spawnFleet, type SpawnedRun } from '../support/spawn-fleet.js';

const FLEET = path.resolve('bin/fleet');
let lab: Lab;
let work: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  lab = await startLab({ hosts: 400, name: 'e2e-shard400', concurrency: 25, timeoutMs: 120_000 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-shard400-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await lab?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'], HOME: work, XDG_CACHE_HOME: path.join(work, 'cache'), ...extra });
// A generous connect timeout: the machine is shared, and 4 shards handshake at once.
const labArgs = (): string[] => ['-i', lab.inventoryFile, '--ssh-config', '/dev/null', '--connect-timeout', '90s'];

function fleet(args: string[], extraEnv: Record<string, string> = {}): Promise<SpawnedRun> {
  return spawnFleet(args, { cwd: work, env: { XDG_CACHE_HOME: path.join(work, 'cache'), ...extraEnv } });
}

type Doc = { hosts: { host: string; status: string; stdout: string; exitCode: number | null }[]; summary: Record<string, number> };
const hostsOf = (d: Doc) => d.hosts.map(({ host, status, stdout, exitCode }) => ({ host, status, stdout, exitCode }));

it('4 shards of 400 hosts in parallel, merged, equal one unsharded run host for host', { timeout: 300_000 }, async () => {
  const cmd = 'uname -n; test "$(uname -n)" != lab077';
  const shards = await Promise.all([1, 2, 3, 4].map((k) => fleet(['exec', cmd, ...labArgs(), '-f', '50', '--shard', `${k}/4`, '--out-dir', 'runs', '--output', 'jsonl'], { FLEET_RUN_ID: 'big' })));
  expect(shards.map((s) => s.code).sort()).toEqual([0, 0, 0, 1]);
  const whole = await fleet(['exec', cmd, ...labArgs(), '-f', '100', '--output', 'json']);
  const report = await fleet(['report', path.join('runs', 'big'), '--output', 'json']);
  expect(whole.code).toBe(1);
  expect(report.code).toBe(1);
  const merged = JSON.parse(report.stdout) as Doc;
  const single = JSON.parse(whole.stdout) as Doc;
  expect(merged.hosts).toHaveLength(400);
  expect(hostsOf(merged)).toEqual(hostsOf(single));
  expect(merged.summary).toEqual(single.summary);
});

it('SIGKILL of one shard mid-run: started-unfinished hosts lost, exit 3; the journal retry executes nothing twice', { timeout: 300_000 }, async () => {
  const k = 2;
  const hosts = selectShard(lab.hosts.map((h) => h.name), (x) => x, k, 4).hosts;
  const outFile = path.join(work, 'kill', 'k400', `shard-${k}-of-4.a1.jsonl`);
  // Slow enough that the kill lands mid-run: 10 hosts at a time, 1 s each.
  const cmd = 'echo run >> ~/exec-count; sleep 1';
  const args = ['exec', cmd, ...labArgs(), '-f', '10', '--shard', `${k}/4`, '--out-dir', 'kill', '--journal', 'journal', '--output', 'jsonl'];
  const child = spawn(process.execPath, [FLEET, ...args], { cwd: work, env: env({ FLEET_RUN_ID: 'k400' }), stdio: 'ignore' });
  children.push(child);
  const exited = new Promise((resolve) => child.on('close', resolve));
  // The marker: 20 hosts finished (their exit lines are in the shard's file) and some host is
  // running its command right now (hosts go in waves of -f: just after a wave ends, the next
  // one is still connecting, and a kill then would leave nothing to be lost).
  const midCommand = (): { exits: number; running: number } => {
    const events = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8').split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as { type: string; host?: string; state?: string }) : [];
    const exited = new Set(events.filter((e) => e.type === 'exit').map((e) => e.host));
    const running = events.filter((e) => e.type === 'host_state' && e.state === 'running' && !exited.has(e.host)).length;
    return { exits: exited.size, running };
  };
  await vi.waitFor(
    () => {
      const now = midCommand();
      expect(now.exits).toBeGreaterThanOrEqual(20);
      expect(now.running).toBeGreaterThan(0);
    },
    { timeout: 60_000, interval: 50 },
  );
  child.kill('SIGKILL');
  await exited;

  const report = await fleet(['report', path.join('kill', 'k400'), '--output', 'json']);
  expect(report.code).toBe(3);
  expect(report.stderr).toMatch(/shard 1\/4 of run k400 never started/);
  const first = new Map((JSON.parse(report.stdout) as Doc).hosts.map((h) => [h.host, h.status]));
  const statuses = [...first.values()];
  const lost = statuses.filter((s) => s === 'lost').length;
  expect(lost).toBeGreaterThan(0);
  expect(lost).toBeLessThanOrEqual(10);
  expect(statuses.filter((s) => s === 'ok').length).toBeGreaterThanOrEqual(20);
  expect(statuses.filter((s) => s === 'skipped').length).toBeGreaterThan(0);

  const retry = await fleet([...args, '--on-retry', 'skip-started'], { FLEET_RUN_ID: 'k400' });
  expect(retry.code).toBe(3); // the lost hosts stay lost
  const counts = await fleet(['exec', 'cat ~/exec-count 2>/dev/null | wc -l', ...labArgs(), '-l', hosts.join(','), '-f', '100', '--output', 'json']);
  const perHost = (JSON.parse(counts.stdout) as Doc).hosts.map((h) => Number(h.stdout.trim()));
  expect(perHost).toHaveLength(hosts.length);
  expect(Math.max(...perHost)).toBe(1);
  const after = await fleet(['report', path.join('kill', 'k400'), '--output', 'json']);
  const final = new Map((JSON.parse(after.stdout) as Doc).hosts.map((h) => [h.host, h.status]));
  const finalLost = [...final].filter(([, s]) => s === 'lost').map(([h]) => h);
  // Every host lost at the kill stays lost. The journal may know one more: a host claimed (fsync'd,
  // before its command is sent) whose `running` event the kill kept out of the shard's file, so
  // the first report saw it not started; the retry skips it as started, outcome unknown.
  for (const [host, status] of first) if (status === 'lost') expect(final.get(host), host).toBe('lost');
  for (const host of finalLost) expect(['lost', 'skipped'], host).toContain(first.get(host));
  expect(finalLost.length - lost).toBeLessThanOrEqual(1);
  expect([...final.values()].filter((s) => s === 'ok').length).toBe(hosts.length - finalLost.length);
});
