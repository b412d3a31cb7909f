/**
 * `npm run bench -- [--quick] [--cases a,b] [--rtt 0,50] [--hosts N] [--runs N] ...`
 *
 * Starts one sshd lab sized for the selected cases (and latency proxies per RTT as needed), runs
 * each case's tools in interleaved rounds, prints the table and the targets, and writes
 * bench/results/<date>.md and .json. Every lab, proxy and child is stopped at the end, on errors
 * and on Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execCases, execLargeCase } from './cases/exec.js';
import { faultsCase } from './cases/faults.js';
import { inventoryCase } from './cases/inventory.js';
import { reportCase } from './cases/report.js';
import { persistCase, persistLargeCase } from './cases/persist.js';
import { roundtripsCase } from './cases/roundtrips.js';
import { startupCase } from './cases/startup.js';
import { stepsCase } from './cases/steps.js';
import { getCases, putCases, putSkipCases } from './cases/transfer.js';
import { buildBaselines } from './compile.js';
import type { BenchCase, BenchContext } from './context.js';
import { detectFleet } from './fleet-cli.js';
import { LabViews } from './lab-views.js';
import { killAllChildren } from './measure.js';
import { parseOptions, UsageError, USAGE } from './options.js';
import { consoleReport, writeResults, type RunInfo } from './report.js';
import { sshdCpuSeconds } from './server-cpu.js';
import { evaluateTargets } from './targets.js';
import type { CaseResult } from './types.js';

const CASES: Record<string, BenchCase> = {
  startup: startupCase,
  inventory: inventoryCase,
  roundtrips: roundtripsCase,
  exec: execCases,
  steps: stepsCase,
  put: putCases,
  'put-skip': putSkipCases,
  get: getCases,
  'exec-large': execLargeCase,
  faults: faultsCase,
  report: reportCase,
  persist: persistCase,
  'persist-large': persistLargeCase,
};

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDir, '..');

/** A command's output (stdout, else stderr: `ssh -V` prints there), or '?'. */
function quiet(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return (r.stdout ?? '').trim() || (r.stderr ?? '').trim() || (r.status === 0 ? '' : '?');
}

function machineInfo(): Record<string, string | number> {
  const dirty = quiet('git', ['-C', repoRoot, 'status', '--porcelain']).length > 0;
  return {
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    openssh: quiet('ssh', ['-V']),
    commit: `${quiet('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'])}${dirty ? ' + uncommitted changes' : ''}`,
    'load average at start (1/5/15 min)': os.loadavg().map((l) => l.toFixed(2)).join(' / '),
  };
}

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(argv);
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const started = new Date();
  const machine = machineInfo();
  const [load1 = 0] = os.loadavg();
  if (load1 > os.cpus().length) {
    machine['warning'] = `the machine was busy at start (load ${load1.toFixed(1)} on ${os.cpus().length} cores): wall times are inflated and noisy; CPU columns are steadier`;
    log(`bench: ${machine['warning']}`);
  }
  const selected = opts.cases.map((id) => CASES[id]).filter((c): c is BenchCase => c !== undefined);
  const labHosts = Math.max(0, ...selected.map((c) => c.labHosts(opts)));
  const work = join(repoRoot, '.lab', `bench-work-${process.pid}`);
  const abort = new AbortController();
  let firstSignal = 0;
  const shm = join('/dev/shm', `fleet-bench-${process.pid}`);
  const onSignal = (): void => {
    // A terminal's Ctrl-C reaches us both directly and relayed by npm/tsx: one press, two signals.
    if (firstSignal === 0 || performance.now() - firstSignal < 2_000) {
      if (firstSignal === 0) log('\nbench: interrupted; stopping children, lab and proxies (Ctrl-C again to exit at once)');
      firstSignal ||= performance.now();
      abort.abort(new Error('interrupted'));
      void killAllChildren();
      return;
    }
    log('\nbench: exiting now');
    rmSync(work, { recursive: true, force: true });
    rmSync(shm, { recursive: true, force: true });
    process.exit(130); // the lab's exit hook SIGKILLs its sshds; proxies exit when their stdin closes
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let views: LabViews | undefined;
  const results: CaseResult[] = [];
  try {
    await mkdir(work, { recursive: true, mode: 0o755 });
    const [fleet, scripts] = await Promise.all([detectFleet(repoRoot), buildBaselines(benchDir)]);
    log(`fleet commands: ${[...fleet.commands].join(', ') || '(none: is dist/ built?)'}`);
    if (labHosts > 0) views = await LabViews.start({ hosts: labHosts, work, repoRoot, log });
    const ctx: BenchContext = {
      opts,
      repoRoot,
      benchDir,
      work,
      fleet,
      scripts,
      get views(): LabViews {
        if (views === undefined) throw new Error('this case needs the lab');
        return views;
      },
      signal: abort.signal,
      log,
      slowRuns: opts.quick ? 1 : Math.min(opts.runs, 2),
      heavyRuns: opts.quick ? Math.min(opts.runs, 2) : Math.min(opts.runs, 3),
      results,
      serverCpu: () => (views === undefined ? 0 : sshdCpuSeconds(views.lab.hosts.map((h) => h.pid))),
    };
    for (const c of selected) {
      if (abort.signal.aborted) break;
      const t0 = performance.now();
      log(`\n### ${c.id}: ${c.title}`);
      try {
        results.push(...(await c.run(ctx)));
      } catch (error) {
        if (abort.signal.aborted) break;
        log(`case ${c.id} failed: ${error instanceof Error ? error.stack : String(error)}`);
      }
      log(`### ${c.id} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await killAllChildren();
    await views?.stop().catch((e: unknown) => log(`stopping the lab: ${String(e)}`));
    await rm(work, { recursive: true, force: true });
    await rm(shm, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const targets = evaluateTargets(results, opts);
  process.stdout.write(consoleReport(results, targets));
  const info: RunInfo = {
    started: started.toISOString(),
    durationS: (Date.now() - started.getTime()) / 1000,
    command: `npm run bench -- ${argv.join(' ')}`.trim() + (abort.signal.aborted ? ' (INTERRUPTED: partial results)' : ''),
    machine: { ...machine, 'load average at end (1/5/15 min)': os.loadavg().map((l) => l.toFixed(2)).join(' / ') },
    options: { ...opts, baselines: opts.baselines === undefined ? 'all' : [...opts.baselines] },
  };
  if (opts.write && results.length > 0) {
    const files = await writeResults(benchDir, info, results, targets);
    log(`\nwrote ${relative(process.cwd(), files.md)} and ${relative(process.cwd(), files.json)} (${info.durationS.toFixed(0)} s)`);
  }
  return abort.signal.aborted ? 130 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
