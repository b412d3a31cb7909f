/**
 * One timed run of a tool: spawned as a child process (its own process group), wall time from
 * spawn() to its exit; peak RSS and CPU time from GNU time (`/usr/bin/time -f '%M %U %S'`: the
 * largest resident set of the child or any descendant it waited for, in KiB; user + system s). Every child is tracked so that an error or
 * Ctrl-C in the bench kills what is still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface CommandSpec {
  argv: readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Killed (whole process group) after this long; default 10 minutes. */
  timeoutMs?: number;
}

export interface Sample {
  wallMs: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Peak RSS in KiB, when GNU time was available. */
  maxRssKb: number | null;
  /** User + system CPU seconds of the tool and the descendants it waited for (GNU time). */
  cpuS: number | null;
  stdoutBytes: number;
  stdoutLines: number;
  /** The first bytes of stdout and the last of stderr, for diagnosing a failed run. */
  stdoutHead: string;
  stderrTail: string;
}

const GNU_TIME = '/usr/bin/time';
const KEEP = 4096;
const live = new Set<ChildProcess>();
let scratch: string | undefined;

/** Whether peak RSS can be measured (package `time`). */
export function canMeasureRss(): boolean {
  return existsSync(GNU_TIME);
}

/** Runs `spec` once and measures it. Never rejects for the tool's own failure: that is data. */
export async function runTimed(spec: CommandSpec): Promise<Sample> {
  scratch ??= await mkdtemp(join(tmpdir(), 'fleet-bench-time-'));
  const rssFile = join(scratch, `rss-${process.pid}-${live.size}-${Math.random().toString(36).slice(2)}`);
  const rss = canMeasureRss();
  const argv = rss ? [GNU_TIME, '-f', '%M %U %S', '-o', rssFile, ...spec.argv] : [...spec.argv];
  const [file, ...args] = argv;
  if (file === undefined) throw new TypeError('runTimed: empty argv');

  let stdoutBytes = 0;
  let stdoutLines = 0;
  let stdoutHead = '';
  let stderrTail = '';
  let timedOut = false;

  const start = performance.now();
  const child = spawn(file, args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  let end = Number.NaN;
  child.once('exit', () => {
    end = performance.now();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) stdoutLines += 1;
    if (stdoutHead.length < KEEP) stdoutHead += chunk.toString('utf8', 0, Math.min(chunk.length, KEEP));
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-KEEP);
  });
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGKILL');
  }, spec.timeoutMs ?? 600_000);

  const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve([code, sig]));
  }).finally(() => {
    clearTimeout(timer);
    live.delete(child);
  });

  let maxRssKb: number | null = null;
  let cpuS: number | null = null;
  if (rss) {
    const text = await readFile(rssFile, 'utf8').catch(() => '');
    // GNU time writes "Command exited with non-zero status N" before the format line.
    const m = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(text.trim().split('\n').pop() ?? '');
    if (m !== null) {
      maxRssKb = Number(m[1]);
      cpuS = Number(m[2]) + Number(m[3]);
    }
    await rm(rssFile, { force: true });
  }
  return {
    wallMs: (Number.isNaN(end) ? performance.now() : end) - start,
    exitCode,
    signal,
    timedOut,
    maxRssKb,
    cpuS,
    stdoutBytes,
    stdoutLines,
    stdoutHead: stdoutHead.slice(0, KEEP),
    stderrTail,
  };
}

/** Runs a command to completion without timing it (set-up steps); rejects when it fails. */
export async function runChecked(spec: CommandSpec, what: string): Promise<Sample> {
  const sample = await runTimed(spec);
  if (sample.exitCode !== 0) {
    throw new Error(`${what} failed (exit ${sample.exitCode ?? sample.signal}): ${sample.stderrTail.trim() || sample.stdoutHead.trim()}`);
  }
  return sample;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Kills every child still running (their whole process groups) and removes scratch files. */
export async function killAllChildren(): Promise<void> {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
}
