/**
 * GNU parallel as the scheduler (Debian `parallel`, scripts/setup.sh): N shards run as
 * `--shard {#}/N`, their JSONL interleaved line by line on one pipe into `fleet report
 * --follow -`, which renders them as one run. `npm run build` first.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';

const FLEET = path.resolve('bin/fleet');
let lab: Lab;
let work: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 12, name: 'e2e-parallel', concurrency: 12, timeoutMs: 120_000 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-parallel-'));
});
afterAll(async () => {
  await lab?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function bash(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile('bash', ['-o', 'pipefail', '-c', script], { cwd: work, env: { PATH: process.env['PATH'], HOME: work }, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

it('parallel runs 4 shards as --shard {#}/4 piped into fleet report --follow -: one run, as unsharded', async () => {
  const node = process.execPath;
  const common = `-i ${lab.inventoryFile} --ssh-config /dev/null --connect-timeout 60s`;
  const cmd = `'uname -n; test "$(uname -n)" != lab003'`;
  // parallel hands its command to a shell: the fleet command line lives in a script, given the shard number.
  fs.writeFileSync(path.join(work, 'shard.sh'), `exec ${node} ${FLEET} exec ${cmd} ${common} --shard "$1/4" --run-id "$2" --output jsonl\n`);
  // --line-buffer: each shard's lines reach the pipe as they are written (live), never half a line.
  const piped = await bash(`parallel --will-cite --line-buffer -j 4 bash shard.sh '{#}' par ::: 1 2 3 4 | ${node} ${FLEET} report --follow - --output json`);
  // pipefail: parallel's exit (the number of failed shards, 1 here) or report's; report's must be 1 too.
  expect(piped.stderr).not.toMatch(/warning/);
  const whole = await bash(`${node} ${FLEET} exec ${cmd} ${common} --output json`);
  expect(whole.code).toBe(1);
  type Doc = { hosts: { host: string; status: string; stdout: string; exitCode: number | null }[]; summary: unknown };
  const merged = JSON.parse(piped.stdout) as Doc;
  const single = JSON.parse(whole.stdout) as Doc;
  const pick = (d: Doc) => d.hosts.map(({ host, status, stdout, exitCode }) => ({ host, status, stdout, exitCode }));
  expect(pick(merged)).toEqual(pick(single));
  expect(merged.summary).toEqual(single.summary);
  const report = await bash(`parallel --will-cite --line-buffer -j 4 bash shard.sh '{#}' par2 ::: 1 2 3 4 | ${node} ${FLEET} report - --output group; echo "report=\${PIPESTATUS[1]}" >&2`);
  expect(report.stderr).toMatch(/report=1/);
  expect(report.stderr).toMatch(/summary: 12 hosts/);
});
