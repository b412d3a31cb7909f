/**
 * Rolling work and the exit policy on a lab of 12 local sshd hosts: --batch waves seen in the
 * event order, --max-fail and --canary leaving hosts skipped, --fail-on, and the rerun file
 * behind --only-failed / --rerun.
 */
import { copyFile, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../src/events.js';
import { startLab, type Lab } from '../lab/lab.js';
import { runCli, type CliRun } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

type Exit = Extract<FleetEvent, { type: 'exit' }>;

let lab: Lab;
let cache: string;
let names: string[];
beforeAll(async () => {
  lab = await startLab({ hosts: 12, name: 'it-rollout' });
  names = lab.hosts.map((h) => h.name);
  cache = tempDir('fleet-cache-');
});
afterAll(async () => {
  await lab?.stop();
});

/** `fleet exec ARGS` in-process against the lab (jsonl unless ARGS say otherwise). */
function fleet(args: string[], opts: { inventory?: boolean; cwd?: string } = {}): Promise<CliRun> {
  const inventory = opts.inventory === false ? [] : ['-i', lab.inventoryFile];
  return runCli(['exec', ...args, ...inventory, '--ssh-config', '/dev/null'], {
    env: { HOME: os.tmpdir(), PATH: process.env['PATH'], XDG_CACHE_HOME: cache },
    ...(opts.cwd && { cwd: opts.cwd }),
  });
}

const events = (run: CliRun): FleetEvent[] => run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as FleetEvent);
const exits = (run: CliRun): Exit[] => events(run).filter((e): e is Exit => e.type === 'exit');
const statusOf = (run: CliRun): Record<string, string> => Object.fromEntries(exits(run).map((e) => [e.host, e.status]));

/** Asserts that no host of a wave entered `connecting` before every host of the previous wave was `done`. */
function expectWaves(run: CliRun, waves: string[][]): void {
  const order = events(run).flatMap((e, i) => (e.type === 'host_state' ? [{ key: `${e.host}:${e.state}`, i }] : []));
  const at = (key: string): number => order.find((o) => o.key === key)?.i ?? Number.NaN;
  for (let w = 1; w < waves.length; w += 1) {
    const lastDone = Math.max(...(waves[w - 1] as string[]).map((h) => at(`${h}:done`)));
    const firstConnect = Math.min(...(waves[w] as string[]).map((h) => at(`${h}:connecting`)));
    expect(lastDone).toBeLessThan(firstConnect);
  }
}

describe('--batch', () => {
  it('runs waves of N hosts in inventory order, each after the previous one is done', async () => {
    const run = await fleet(['uname -n', '--batch', '5', '--output', 'jsonl']);
    expect(run.code).toBe(0);
    expectWaves(run, [names.slice(0, 5), names.slice(5, 10), names.slice(10)]);
    expect(Object.values(statusOf(run))).toEqual(names.map(() => 'ok'));
  });

  it('takes a percentage of the selected hosts (25% of 12 = waves of 3)', async () => {
    const run = await fleet(['true', '--batch', '25%', '--output', 'jsonl']);
    expectWaves(run, [0, 3, 6, 9].map((i) => names.slice(i, i + 3)));
  });
});

describe('--max-fail', () => {
  it('once more than N hosts failed, starts no more: running ones finish, the rest end skipped (exit 3)', async () => {
    // Every host fails. Two start at once; each finish frees a slot, and the next host starts
    // while failures <= 2. The third failure stops the run: 2 + 2 hosts ran, 8 were skipped.
    const run = await fleet(['exit 1', '--max-fail', '2', '-f', '2', '--output', 'jsonl']);
    expect(run.code).toBe(3);
    const statuses = statusOf(run);
    expect(names.map((h) => statuses[h])).toEqual([...Array(4).fill('failed'), ...Array(8).fill('skipped')]);
    const skipped = exits(run).filter((e) => e.status === 'skipped');
    for (const exit of skipped) {
      expect(exit.error?.code).toBe('FLEET_SKIPPED');
      expect(exit.error?.message).toMatch(/max-fail 2 exceeded/);
    }
    // Skipped hosts never connected.
    const connected = new Set(events(run).flatMap((e) => (e.type === 'host_state' && e.state === 'connecting' ? [e.host] : [])));
    expect(skipped.filter((e) => connected.has(e.host))).toEqual([]);
    const summary = events(run).at(-1);
    expect(summary).toMatchObject({ type: 'summary', summary: { failed: 4, skipped: 8, total: 12 } });
  });

  it('with --batch: a failed wave stops the waves after it', async () => {
    const run = await fleet(['[ "$(uname -n)" != lab002 ]', '--batch', '3', '--max-fail', '0', '--output', 'jsonl']);
    const statuses = statusOf(run);
    expect(names.map((h) => statuses[h])).toEqual(['ok', 'failed', 'ok', ...Array(9).fill('skipped')]);
  });

  it('takes a percentage: 10% of 12 hosts tolerates one failure', async () => {
    const run = await fleet(['exit 1', '--max-fail', '10%', '-f', '1', '--output', 'jsonl']);
    expect(Object.values(statusOf(run)).filter((s) => s === 'failed')).toHaveLength(2);
  });
});

describe('--canary', () => {
  it('runs the canary first; when it fails, every other host is skipped', async () => {
    const run = await fleet(['[ "$(uname -n)" != lab001 ]', '--canary', '1', '--output', 'jsonl']);
    expect(run.code).toBe(3);
    const statuses = statusOf(run);
    expect(names.map((h) => statuses[h])).toEqual(['failed', ...Array(11).fill('skipped')]);
    expect(exits(run).find((e) => e.host === 'lab002')?.error?.message).toMatch(/canary/);
  });

  it('when the canary succeeds, the rest follow (after it, in batches if asked)', async () => {
    const run = await fleet(['true', '--canary', '2', '--batch', '5', '--output', 'jsonl']);
    expect(run.code).toBe(0);
    expectWaves(run, [names.slice(0, 2), names.slice(2, 7), names.slice(7)]);
  });
});

describe('exit policy', () => {
  const someFail = '[ "$(uname -n)" != lab003 ] && [ "$(uname -n)" != lab007 ]';

  it('--fail-on any (default) / all / never', async () => {
    expect((await fleet([someFail, '--output', 'jsonl'])).code).toBe(1);
    expect((await fleet([someFail, '--fail-on', 'all', '--output', 'jsonl'])).code).toBe(0);
    expect((await fleet(['exit 4', '--fail-on', 'all', '--output', 'jsonl'])).code).toBe(1);
    expect((await fleet(['exit 4', '--fail-on', 'never', '--output', 'jsonl'])).code).toBe(0);
  });

  it('records the hosts that did not succeed, and --only-failed runs exactly those (same inventory and pattern)', async () => {
    await fleet([someFail, '-l', 'lab00*', '--output', 'jsonl']);
    const dir = path.join(cache, 'fleet', 'rerun');
    const files = await readdir(dir);
    const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
    const index = texts.findIndex((t) => t.includes('# limit: "lab00*"\n'));
    const file = path.join(dir, files[index] ?? '');
    const text = texts[index] ?? '';
    expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual(['lab003', 'lab007', '']);
    expect(text).toContain(`# inventory: ${JSON.stringify(lab.inventoryFile)}\n`);

    // Copy the file first: this run rewrites it.
    const saved = path.join(cache, 'saved-failed');
    await copyFile(file, saved);
    const rerun = await fleet(['uname -n', '--only-failed', '-l', 'lab00*', '--output', 'jsonl'], { cwd: os.tmpdir() });
    expect(rerun.code).toBe(0);
    expect(exits(rerun).map((e) => [e.host, e.status]).sort()).toEqual([
      ['lab003', 'ok'],
      ['lab007', 'ok'],
    ]);
    // Everything succeeded: the rerun file is now empty, and --only-failed says so (exit 2).
    const nothing = await fleet(['true', '--only-failed', '-l', 'lab00*']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/no failed hosts/);
    // --rerun FILE reads an explicit file; without -i, the hosts come from its inventory.
    const elsewhere = await fleet(['true', '--rerun', saved, '--output', 'jsonl'], { inventory: false, cwd: os.tmpdir() });
    expect(exits(elsewhere).map((e) => e.host).sort()).toEqual(['lab003', 'lab007']);
    // With -i, the recorded inventory must be this one (it is).
    const again = await fleet(['true', '--rerun', saved, '--output', 'jsonl']);
    expect(exits(again).map((e) => e.host).sort()).toEqual(['lab003', 'lab007']);
  });
});
