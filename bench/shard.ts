/**
 * `npm run build && npx tsx bench/shard.ts [--runs N]`: the scale-out targets (issue 17).
 * - `fleet shards 8` over a 20,000-host inventory: <= 1 s;
 * - `fleet report` merging 8 shard files of a 10,000-host run: <= 1 s and <= 200 MB peak RSS.
 * Runs the built CLI (bin/fleet) as a child, interleaved with `fleet --version` (Node start-up),
 * and prints medians; the shard files are synthetic but shaped as a real run writes them (every
 * host: queued, connecting, authenticated, running, one stdout line, done, exit).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVENT_SCHEMA_VERSION, type FleetEvent } from '../src/events.js';
import { summarize } from '../src/result.js';
import { planShards, selectShard } from '../src/shard/plan.js';
import { runTimed, type Sample } from './measure.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] ?? '') || 5;
const FLEET = path.resolve('bin/fleet');
const work = mkdtempSync(path.join(os.tmpdir(), 'fleet-bench-shard-'));

function names(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `host${String(i + 1).padStart(5, '0')}.example.com`);
}

function shardFile(all: string[], k: number, total: number): string {
  const shard = selectShard(all, (x) => x, k, total);
  const info = { runId: 'bench', attempt: 1 };
  const lines: FleetEvent[] = [
    {
      type: 'run_start',
      version: EVENT_SCHEMA_VERSION,
      command: 'uname -a',
      started: new Date().toISOString(),
      hosts: shard.hosts.map((host, i) => ({ host, address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 22, user: 'root' })),
      ...info,
      shard: { index: k, total, planHash: shard.planHash, hostCount: shard.hostCount, positions: shard.positions },
    },
  ];
  for (const host of shard.hosts) lines.push({ type: 'host_state', host, state: 'queued', t: 0 });
  for (const host of shard.hosts) {
    lines.push(
      { type: 'host_state', host, state: 'connecting', t: 10 },
      { type: 'host_state', host, state: 'authenticated', t: 30 },
      { type: 'host_state', host, state: 'running', t: 31 },
      { type: 'stdout', host, data: `Linux ${host} 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 x86_64 GNU/Linux\n` },
      { type: 'host_state', host, state: 'done', t: 40 },
      { type: 'exit', host, status: 'ok', exitCode: 0, signal: null, durationMs: 40 },
    );
  }
  lines.push({ type: 'summary', summary: summarize(shard.hosts.map(() => 'ok' as const)), durationMs: 5000, failed: [], ...info, shard: { index: k, total, planHash: shard.planHash } });
  return lines.map((e) => JSON.stringify({ v: EVENT_SCHEMA_VERSION, ...e })).join('\n') + '\n';
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function measure(label: string, argv: string[]): Promise<{ label: string; wallMs: number; cpuMs: number | null; rssMiB: number | null }> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const s = await runTimed({ argv: [process.execPath, FLEET, ...argv], cwd: work, env: { HOME: work } });
    if (s.exitCode !== 0) throw new Error(`${label}: exit ${s.exitCode}: ${s.stderrTail}`);
    samples.push(s);
  }
  const rss = samples.map((s) => s.maxRssKb).filter((x): x is number => x !== null);
  const cpu = samples.map((s) => s.cpuS).filter((x): x is number => x !== null);
  // CPU (user + sys) is the steadier figure on a shared machine: wall time there includes waiting for a core.
  return { label, wallMs: median(samples.map((s) => s.wallMs)), cpuMs: cpu.length > 0 ? median(cpu) * 1000 : null, rssMiB: rss.length > 0 ? Math.max(...rss) / 1024 : null };
}

try {
  const hosts20k = names(20_000);
  writeFileSync(path.join(work, 'hosts.txt'), `${hosts20k.join('\n')}\n`);
  const t0 = performance.now();
  planShards(hosts20k, 8);
  const inProcess = performance.now() - t0;

  const hosts10k = names(10_000);
  const dir = path.join(work, 'runs', 'bench');
  mkdirSync(dir, { recursive: true });
  for (let k = 1; k <= 8; k++) writeFileSync(path.join(dir, `shard-${k}-of-8.a1.jsonl`), shardFile(hosts10k, k, 8));

  const rows = [
    await measure('fleet --version (Node start-up)', ['--version']),
    await measure('fleet shards 8 (20,000 hosts)', ['shards', '8', '-i', 'hosts.txt', '--ssh-config', '/dev/null']),
    await measure('fleet shards 8 --json (20,000 hosts)', ['shards', '8', '--json', '-i', 'hosts.txt', '--ssh-config', '/dev/null']),
    await measure('fleet report: 8 shards, 10,000 hosts, --output json', ['report', dir, '--output', 'json']),
    await measure('fleet report: 8 shards, 10,000 hosts, --output group', ['report', dir, '--output', 'group']),
    await measure('fleet report: 8 shards, 10,000 hosts, --output jsonl', ['report', dir, '--output', 'jsonl']),
  ];
  console.log(`planShards(20,000 hosts, 8) in process: ${inProcess.toFixed(1)} ms; ${runs} runs each, medians; load ${os.loadavg()[0]?.toFixed(1)}`);
  for (const r of rows) console.log(`${r.label.padEnd(58)} ${r.wallMs.toFixed(0).padStart(6)} ms wall ${r.cpuMs === null ? '' : `${r.cpuMs.toFixed(0).padStart(5)} ms CPU`}  ${r.rssMiB === null ? '' : `${r.rssMiB.toFixed(0)} MiB peak RSS`}`);
  const shards = rows[1] as (typeof rows)[number];
  const merges = rows.slice(3);
  console.log(`target fleet shards 8 <= 1000 ms: ${shards.wallMs <= 1000 ? 'PASS' : 'FAIL'} (${shards.wallMs.toFixed(0)} ms)`);
  for (const m of merges) {
    console.log(`target ${m.label} <= 1000 ms, <= 200 MB: ${m.wallMs <= 1000 && (m.rssMiB ?? 0) * 1.048576 <= 200 ? 'PASS' : 'FAIL'} (${m.wallMs.toFixed(0)} ms, ${m.rssMiB?.toFixed(0) ?? '?'} MiB)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
