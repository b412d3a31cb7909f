import { type ChildProcess, execFile, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FleetEvent } from '../../src/events.js';

const run = promisify(execFile);

/** The built CLI (`npm run build` first). */
export const FLEET_BIN = path.resolve('bin/fleet');

/** What a spawned CLI run produced. */
export interface SpawnedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for spawnFleet. */
export interface SpawnFleetOptions {
  /** Working directory; also HOME unless `env` sets one (default: the OS temp dir). */
  cwd?: string;
  /** Extra environment; PATH and HOME are set unless given here. */
  env?: Record<string, string>;
}

/**
 * Spawns the built CLI with a minimal environment (PATH, and HOME pointing at `cwd` or the temp
 * dir, so no real ~/.ssh/config or inventory is read); never rejects on a non-zero exit.
 */
export async function spawnFleet(args: readonly string[], opts: SpawnFleetOptions | string = {}): Promise<SpawnedRun> {
  const { cwd, env } = typeof opts === 'string' ? { cwd: opts, env: undefined } : opts;
  // TMPDIR: the run's own temp dir (test/setup/hygiene.ts checks the CLI leaves nothing in it).
  const baseEnv = { PATH: process.env['PATH'] ?? '', HOME: cwd ?? os.tmpdir(), TMPDIR: os.tmpdir() };
  let result: SpawnedRun;
  try {
    const { stdout, stderr } = await run(process.execPath, [FLEET_BIN, ...args], {
      cwd,
      env: { ...baseEnv, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    result = { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    result = { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
  // The CLI's own listener leaks (test/setup/no-warnings.ts sees only this process's).
  if (result.stderr.includes('MaxListenersExceededWarning')) throw new Error(`fleet ${args.join(' ')}: MaxListenersExceededWarning on stderr:\n${result.stderr}`);
  return result;
}

/** A CLI run still going: its child, what it printed so far, and its exit. */
export interface StartedFleet {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts the built CLI with exactly `env` (give PATH and HOME) and returns at once, for tests that
 * signal it while it runs. The caller kills the child if a test fails before it exits.
 */
export function startFleet(args: readonly string[], opts: { cwd?: string; env: Record<string, string | undefined> }): StartedFleet {
  const child = spawn(process.execPath, [FLEET_BIN, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The events of `--output jsonl` text. */
export const jsonlEvents = (text: string): FleetEvent[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as FleetEvent);

/** Each host's final status in `--output jsonl` text (its `exit` event). */
export const exitStatuses = (text: string): Record<string, string> =>
  Object.fromEntries(jsonlEvents(text).flatMap((e) => (e.type === 'exit' ? [[e.host, e.status]] : [])));
