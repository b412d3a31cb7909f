import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { StringSink } from '../../src/render/renderer.js';

/** What an in-process CLI run produced. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The `persist` test project (vitest.config.ts) runs the suites again through a warm keeper: it
 * sets FLEET_PERSIST and FLEET_KEEPER_DIR, which every in-process run then gets.
 */
function persistEnv(): Record<string, string> {
  const persist = process.env['FLEET_PERSIST'];
  const dir = process.env['FLEET_KEEPER_DIR'];
  return persist !== undefined && dir !== undefined ? { FLEET_PERSIST: persist, FLEET_KEEPER_DIR: dir } : {};
}

/** Runs `fleet ARGS` in-process (no child process), capturing stdout, stderr and the exit code. */
export async function runCli(args: readonly string[], opts: Partial<Pick<CliIo, 'env' | 'cwd' | 'drain' | 'interrupt'>> = {}): Promise<CliRun> {
  const stdout = new StringSink();
  const stderr = new StringSink();
  const env = opts.env ?? { HOME: process.env['HOME'], PATH: process.env['PATH'] };
  const code = await main(args, {
    stdout,
    stderr,
    env: { ...persistEnv(), ...env },
    cwd: opts.cwd ?? process.cwd(),
    ...(opts.drain && { drain: opts.drain }),
    ...(opts.interrupt && { interrupt: opts.interrupt }),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
