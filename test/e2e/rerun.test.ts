/**
 * The rerun file belongs to its run (built CLI, `npm run build` first). Hosts on 127.0.0.1
 * port 9 (discard: nothing listens) end `unreachable` at once, so every run records all of its
 * hosts as failed without a server: what matters here is which file they land in and which
 * hosts `--only-failed` then picks.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnFleet, type SpawnedRun } from '../support/spawn-fleet.js';

let dir: string;
let invA: string;
let invB: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-rerun-'));
  invA = path.join(dir, 'a.yaml');
  invB = path.join(dir, 'b.yaml');
  await writeFile(invA, 'hosts:\n  a[1:3]: {host: 127.0.0.1, port: 9}\n');
  await writeFile(invB, 'hosts:\n  b[1:2]: {host: 127.0.0.1, port: 9}\n');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** fleet with its own cache (where rerun files live) and no ssh_config. */
const fleet = (args: string[]): Promise<SpawnedRun> => spawnFleet([...args, '--ssh-config', '/dev/null'], { cwd: dir, env: { XDG_CACHE_HOME: path.join(dir, 'cache') } });

/** Hosts that ran, from a jsonl run's exit events. */
const ranOn = (run: SpawnedRun): string[] =>
  run.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; host?: string })
    .flatMap((e) => (e.type === 'exit' && e.host !== undefined ? [e.host] : []))
    .sort();

describe('the rerun file belongs to its run', () => {
  it('a run on another inventory does not replace it: --only-failed -i A runs on A\'s failed hosts', async () => {
    expect((await fleet(['exec', 'true', '-i', invA, '-l', 'a[1:2]', '--output', 'jsonl'])).code).toBe(3);
    expect((await fleet(['exec', 'true', '-i', invB, '--output', 'jsonl'])).code).toBe(3);
    const rerunA = await fleet(['exec', 'true', '-i', invA, '-l', 'a[1:2]', '--only-failed', '--output', 'jsonl']);
    expect(ranOn(rerunA)).toEqual(['a1', 'a2']);
    const rerunB = await fleet(['exec', 'true', '-i', invB, '--only-failed', '--output', 'jsonl']);
    expect(ranOn(rerunB)).toEqual(['b1', 'b2']);
  });

  it('--only-failed with another pattern finds no run, and names the patterns recorded', async () => {
    const run = await fleet(['exec', 'true', '-i', invA, '--only-failed']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/no run with this inventory and selection.*-l "a\[1:2\]"/);
  });

  it('--rerun FILE with another inventory is refused, naming both', async () => {
    // Record a run on A, find its file, and offer it to a run on B.
    await fleet(['exec', 'true', '-i', invA, '-l', 'a3', '--output', 'jsonl']);
    const files = await readdir(path.join(dir, 'cache', 'fleet', 'rerun'));
    let fileA = '';
    for (const f of files) if ((await readFile(path.join(dir, 'cache', 'fleet', 'rerun', f), 'utf8')).includes('# limit: "a3"')) fileA = f;
    const run = await fleet(['exec', 'true', '-i', invB, '--rerun', path.join(dir, 'cache', 'fleet', 'rerun', fileA)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/belongs to another run: it was recorded for inventory ".*a\.yaml", not ".*b\.yaml"/);
  });

  it('two runs at the same time on different inventories each keep their own file', async () => {
    const [a, b] = await Promise.all([
      fleet(['exec', 'true', '-i', invA, '-l', 'a1', '--output', 'jsonl']),
      fleet(['exec', 'true', '-i', invB, '-l', 'b2', '--output', 'jsonl']),
    ]);
    expect([a.code, b.code]).toEqual([3, 3]);
    const [rerunA, rerunB] = await Promise.all([
      fleet(['exec', 'true', '-i', invA, '-l', 'a1', '--only-failed', '--output', 'jsonl']),
      fleet(['exec', 'true', '-i', invB, '-l', 'b2', '--only-failed', '--output', 'jsonl']),
    ]);
    expect(ranOn(rerunA)).toEqual(['a1']);
    expect(ranOn(rerunB)).toEqual(['b2']);
  });
});
