import type { ExecOutput } from '../result.js';
import { OutputCapture } from '../tasks/output-capture.js';
import type { Connection } from '../transport/index.js';

/** One command on one connection, with what steps and sessions add to the exec task: env and pty. */
export interface CapturedExecOptions {
  command: string;
  signal: AbortSignal;
  maxOutputBytes: number;
  /** Keep output in the result; forwarded through the callbacks either way. */
  capture: boolean;
  env?: Record<string, string> | undefined;
  pty?: boolean | undefined;
  stdin?: Buffer | string | undefined;
  onStdout?: ((text: string) => void) | undefined;
  onStderr?: ((text: string) => void) | undefined;
}

/**
 * Runs a command and captures its output under the per-stream cap (tasks/exec.ts's contract:
 * a non-zero exit is a value; only failure to run or finish rejects, with a FleetError). Kept
 * beside the exec task rather than in it because that task has no env/pty/stdin options yet.
 */
export async function execCaptured(conn: Connection, opts: CapturedExecOptions): Promise<ExecOutput> {
  const stdout = new OutputCapture(opts.maxOutputBytes, opts.capture, opts.onStdout);
  const stderr = new OutputCapture(opts.maxOutputBytes, opts.capture, opts.onStderr);
  const exit = await conn.exec({
    command: opts.command,
    signal: opts.signal,
    onStdout: (chunk) => stdout.push(chunk),
    onStderr: (chunk) => stderr.push(chunk),
    ...(opts.env && Object.keys(opts.env).length > 0 && { env: opts.env }),
    ...(opts.pty && { pty: true }),
    ...(opts.stdin !== undefined && { stdin: opts.stdin }),
  });
  return {
    exitCode: exit.exitCode,
    signal: exit.signal,
    stdout: stdout.end(),
    stderr: stderr.end(),
    truncated: stdout.truncated || stderr.truncated,
  };
}
