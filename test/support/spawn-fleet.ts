import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

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
