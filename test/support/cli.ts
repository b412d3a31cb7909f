import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { StringSink } from '../../src/render/renderer.js';

/** What an in-process CLI run produced. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fleet ARGS` in-process (no child process), capturing stdout, stderr and the exit code. */
export async function runCli(args: readonly string[], opts: Partial<Pick<CliIo, 'env' | 'cwd' | 'drain' | 'interrupt'>> = {}): Promise<CliRun> {
  const stdout = new StringSink();
  const stderr = new StringSink();
  const code = await main(args, {
    stdout,
    stderr,
    env: opts.env ?? { HOME: process.env['HOME'], PATH: process.env['PATH'] },
    cwd: opts.cwd ?? process.cwd(),
    ...(opts.drain && { drain: opts.drain }),
    ...(opts.interrupt && { interrupt: opts.interrupt }),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
