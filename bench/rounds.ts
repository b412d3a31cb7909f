/**
 * Runs the tools of one case in interleaved rounds (A B C, A B C, ...) so that drift on the
 * machine (other work, thermal, page cache) affects every tool alike. Optional warm-up round.
 */
import { runTimed, type Sample } from './measure.js';
import { median, summarize } from './stats.js';
import type { Measurement, SkippedTool, Tool } from './types.js';

export interface RoundOptions {
  runs: number;
  /** One untimed run of the first tool before the rounds. */
  warmup: boolean;
  log: (line: string) => void;
  /** Checked before every run: Ctrl-C stops the case between runs. */
  signal?: AbortSignal;
  /** Server CPU seconds so far (the lab's sshds); read around each run. */
  serverCpu?: () => number;
}

/** Lets sshd reap the sessions of a run that just ended before its CPU is read. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 150));

/** Exit code 0 counts; anything else is a failed run. */
export function exitZero(sample: Sample): string | undefined {
  if (sample.timedOut) return 'timed out';
  if (sample.exitCode === 0) return undefined;
  const detail = (sample.stderrTail.trim() || sample.stdoutHead.trim()).split('\n').slice(-3).join(' / ');
  return `exit ${sample.exitCode ?? sample.signal}: ${detail.slice(0, 300)}`;
}

export async function measureRounds(tools: readonly Tool[], opts: RoundOptions): Promise<Measurement[]> {
  const results = new Map<string, Measurement['samples']>();
  for (const tool of tools) results.set(tool.id, []);
  const runsOf = (t: Tool): number => Math.max(1, Math.min(t.runs ?? opts.runs, opts.runs));
  if (opts.warmup) {
    // One untimed run of the first tool that is not a slow one: page cache and lab state warm for
    // everyone (each run is a fresh process, so there is no JIT state to warm per tool).
    const first = tools.find((t) => t.runs === undefined || t.runs >= opts.runs);
    if (first !== undefined) {
      opts.signal?.throwIfAborted();
      await first.prepare?.();
      const s = await runTimed(first.command());
      opts.log(`  warm-up ${first.label}: ${(s.wallMs / 1000).toFixed(2)} s${s.exitCode === 0 ? '' : ` (exit ${s.exitCode})`}`);
    }
  }
  const rounds = Math.max(...tools.map(runsOf));
  for (let round = 0; round < rounds; round += 1) {
    for (const tool of tools) {
      if (round >= runsOf(tool)) continue;
      opts.signal?.throwIfAborted();
      await tool.prepare?.();
      const cpuBefore = opts.serverCpu?.();
      const sample = await runTimed(tool.command());
      let serverCpuS: number | null = null;
      if (opts.serverCpu !== undefined && cpuBefore !== undefined) {
        await settle();
        serverCpuS = opts.serverCpu() - cpuBefore;
      }
      const error = (tool.check ?? exitZero)(sample);
      results.get(tool.id)?.push({
        wallMs: sample.wallMs,
        exitCode: sample.exitCode,
        maxRssKb: sample.maxRssKb,
        cpuS: sample.cpuS,
        serverCpuS,
        ...(error !== undefined ? { error } : {}),
      });
      const rss = sample.maxRssKb === null ? '' : `, ${(sample.maxRssKb / 1024).toFixed(0)} MiB, cpu ${sample.cpuS?.toFixed(2)} s`;
      const server = serverCpuS === null ? '' : `, sshd cpu ${serverCpuS.toFixed(2)} s`;
      opts.log(`  [${round + 1}/${runsOf(tool)}] ${tool.label}: ${(sample.wallMs / 1000).toFixed(3)} s${rss}${server}${error ? `  FAILED ${error}` : ''}`);
    }
  }
  return tools.map((tool) => toMeasurement(tool, results.get(tool.id) ?? []));
}

function toMeasurement(tool: Tool, samples: Measurement['samples']): Measurement {
  const good = samples.filter((s) => s.error === undefined);
  const rss = good.map((s) => s.maxRssKb).filter((v): v is number => v !== null);
  const cpu = good.map((s) => s.cpuS).filter((v): v is number => v !== null);
  const server = good.map((s) => s.serverCpuS).filter((v): v is number => v !== null);
  return {
    id: tool.id,
    label: tool.label,
    fleet: tool.fleet,
    summary: summarize(good.map((s) => s.wallMs)),
    peakRssMiB: rss.length > 0 ? Math.max(...rss) / 1024 : null,
    cpuS: cpu.length > 0 ? median(cpu) : null,
    serverCpuS: server.length > 0 ? median(server) : null,
    samples,
    failures: samples.length - good.length,
  };
}

export function skippedMeasurement(tool: SkippedTool): Measurement {
  return {
    id: tool.id,
    label: tool.label,
    fleet: tool.fleet,
    summary: summarize([]),
    peakRssMiB: null,
    cpuS: null,
    serverCpuS: null,
    samples: [],
    failures: 0,
    skipped: tool.reason,
  };
}
