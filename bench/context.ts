/** What every case gets: options, the lab, the fleet CLI, the baseline scripts, and the runner. */
import type { BaselineScripts } from './compile.js';
import type { FleetCli } from './fleet-cli.js';
import type { LabView, LabViews } from './lab-views.js';
import { measureRounds, skippedMeasurement } from './rounds.js';
import type { CaseResult, Measurement, SkippedTool, Tool } from './types.js';

export interface BenchOptions {
  quick: boolean;
  runs: number;
  /** Hosts of the exec and steps cases (100). */
  hosts: number;
  /** Hosts of the exec-large case (1000). */
  largeHosts: number;
  /** RTTs (ms) of the cases that vary it; the largest one is "the" RTT of exec-large. */
  rtts: number[];
  cases: string[];
  forks: number;
  transferHosts: number;
  fileMiB: number;
  steps: number;
  /** Baseline ids to run (all when undefined). */
  baselines: Set<string> | undefined;
  write: boolean;
}

export interface BenchContext {
  opts: BenchOptions;
  repoRoot: string;
  benchDir: string;
  /** Scratch dir outside /tmp (lab hosts have a private /tmp; they see this one). */
  work: string;
  fleet: FleetCli;
  scripts: BaselineScripts;
  views: LabViews;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Runs for process-per-host baselines (seconds per run at 100 hosts): fewer in --quick. */
  slowRuns: number;
  /** Runs for cases whose single run takes many seconds (transfers, 1000 hosts, 20 steps). */
  heavyRuns: number;
  /** CPU seconds so far of the lab's sshds (see server-cpu.ts). */
  serverCpu: () => number;
  /** Results of the cases run so far (later cases may reuse them). */
  results: readonly CaseResult[];
}

export type Contender = Tool | SkippedTool;

export function isSkipped(c: Contender): c is SkippedTool {
  return 'reason' in c;
}

/** In --quick, `c` is left out (with `why`); otherwise it runs. */
export function fullOnly(ctx: BenchContext, c: Contender, why: string): Contender {
  return ctx.opts.quick && !isSkipped(c) ? { id: c.id, label: c.label, fleet: c.fleet, reason: `--quick: ${why}` } : c;
}

/** Measures the runnable contenders in interleaved rounds; skipped ones become report rows. */
export async function measure(ctx: BenchContext, contenders: readonly Contender[], runs = ctx.opts.runs): Promise<Measurement[]> {
  const wanted = contenders.filter((c) => c.fleet || ctx.opts.baselines === undefined || ctx.opts.baselines.has(c.id));
  const tools = wanted.filter((c): c is Tool => !isSkipped(c));
  ctx.signal.throwIfAborted();
  const measured = tools.length > 0
    ? await measureRounds(tools, { runs, warmup: !ctx.opts.quick, log: ctx.log, signal: ctx.signal, serverCpu: ctx.serverCpu })
    : [];
  return wanted.map((c) => (isSkipped(c) ? skippedMeasurement(c) : measured.find((m) => m.id === c.id) ?? skippedMeasurement({ ...c, reason: 'not run' })));
}

export function caseResult(
  caseId: string,
  title: string,
  view: Pick<LabView, 'count' | 'rttMs'>,
  measurements: Measurement[],
  notes: string[] = [],
): CaseResult {
  return {
    key: `${caseId}-${view.count}-rtt${view.rttMs}`,
    caseId,
    title,
    hosts: view.count,
    rttMs: view.rttMs,
    measurements,
    notes,
  };
}

export interface BenchCase {
  id: string;
  title: string;
  /** Lab hosts this case needs with the given options (0: no lab). */
  labHosts: (opts: BenchOptions) => number;
  run: (ctx: BenchContext) => Promise<CaseResult[]>;
}

/** "1 host", "20 hosts". */
export function hostsText(n: number): string {
  return `${n.toLocaleString('en')} host${n === 1 ? '' : 's'}`;
}
