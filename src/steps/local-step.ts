/**
 * `local:` steps: one command on the machine running fleet (build the tarball, tag a release),
 * run once between the host steps before and after it.
 */
import { abortReason } from '../concurrency/deadline.js';
import { FleetError } from '../errors.js';
import type { ExecOutput } from '../result.js';
import { OutputCapture } from '../tasks/output-capture.js';

/** Options of {@link runLocalCommand}. */
export interface LocalCommandOptions {
  command: string;
  cwd: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  maxOutputBytes: number;
  capture: boolean;
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
}

/**
 * Runs `command` with `/bin/sh -c` in its own process group, so an abort (timeout, Ctrl-C) kills
 * the whole tree, not just the shell. A non-zero exit is a value; a spawn failure rejects with
 * FLEET_LOCAL_IO, an abort with the signal's reason.
 */
export function runLocalCommand(opts: LocalCommandOptions): Promise<ExecOutput> {
  if (opts.signal.aborted) return Promise.reject(abortReason(opts.signal));
  const stdout = new OutputCapture(opts.maxOutputBytes, opts.capture, opts.onStdout);
  const stderr = new OutputCapture(opts.maxOutputBytes, opts.capture, opts.onStderr);
  return new Promise<ExecOutput>((resolve, reject) => {
    // Loaded with the first local step, not by every run that loads the steps engine.
    const { spawn } = process.getBuiltinModule('node:child_process');
    const child = spawn('/bin/sh', ['-c', opts.command], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let aborted: FleetError | undefined;
    const onAbort = (): void => {
      aborted ??= abortReason(opts.signal);
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      opts.signal.removeEventListener('abort', onAbort);
      reject(new FleetError('FLEET_LOCAL_IO', `local command: cannot start /bin/sh in ${opts.cwd} (${error.code ?? error.message})`, {}, { cause: error }));
    });
    // 'close' (not 'exit'): both pipes are drained by then, so no output is lost.
    child.on('close', (code, signal) => {
      opts.signal.removeEventListener('abort', onAbort);
      if (aborted) {
        reject(aborted);
        return;
      }
      resolve({ exitCode: code, signal, stdout: stdout.end(), stderr: stderr.end(), truncated: stdout.truncated || stderr.truncated });
    });
  });
}
