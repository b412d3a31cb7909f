/**
 * `npm run build && npx tsx bench/shard-lab.ts [--hosts 1000] [--shards 4] [--rounds 2]`: the
 * issue 17 target "4 shards x 250 lab hosts run in parallel finish within 1.2x one 1000-host
 * run". One local sshd lab; in interleaved rounds, one `fleet exec true` over every host at
 * `-f F*N`, and N shards (`--shard K/N`, `-f F` each) started together (wall time until the last
 * ends). Same total concurrency on both sides; both the client processes and every sshd share
 * this machine's cores, so the machine, not fleet, is the limit.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startLab } from '../test/lab/lab.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const hosts = arg('hosts', 1000);
const shards = arg('shards', 4);
const rounds = arg('rounds', 2);
const forks = arg('forks', 50);
const FLEET = path.resolve('bin/fleet');

function fleet(args: string[]): Promise<{ code: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) =>
    execFile(process.execPath, [FLEET, ...args], { maxBuffer: 256 << 20, env: { PATH: process.env['PATH'], HOME: process.env['HOME'] } }, (error) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, ms: performance.now() - t0 }),
    ),
  );
}

const lab = await startLab({ hosts, name: 'bench-shard', concurrency: 50, timeoutMs: 300_000 });
try {
  const common = ['-i', lab.inventoryFile, '--ssh-config', '/dev/null', '--connect-timeout', '120s', '--output', 'jsonl', '-q'];
  const single: number[] = [];
  const sharded: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const one = await fleet(['exec', 'true', ...common, '-f', String(forks * shards)]);
    single.push(one.ms);
    const t0 = performance.now();
    const all = await Promise.all(Array.from({ length: shards }, (_, k) => fleet(['exec', 'true', ...common, '-f', String(forks), '--shard', `${k + 1}/${shards}`, '--run-id', `bench${r}`])));
    sharded.push(performance.now() - t0);
    console.log(`round ${r + 1}: one run ${one.ms.toFixed(0)} ms (exit ${one.code}); ${shards} shards ${sharded.at(-1)?.toFixed(0)} ms (exits ${all.map((a) => a.code).join(',')})`);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const ratio = median(sharded) / median(single);
  console.log(`${hosts} hosts: one run -f ${forks * shards}: ${median(single).toFixed(0)} ms; ${shards} shards -f ${forks} in parallel: ${median(sharded).toFixed(0)} ms; ratio ${ratio.toFixed(2)} (target <= 1.2: ${ratio <= 1.2 ? 'PASS' : 'FAIL'})`);
} finally {
  await lab.stop();
}
