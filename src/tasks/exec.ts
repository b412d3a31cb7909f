import type { ExecOutput } from '../result.js';
import type { Connection } from '../transport/index.js';
import { OutputCapture } from './output-capture.js';

/** What the exec task needs; the command string is sent as it is, to the remote user's shell. */
export interface ExecTaskOptions {
  command: string;
  signal: AbortSignal;
  /** Per-stream cap on captured and forwarded output. */
  maxOutputBytes: number;
  /** Keep output in the result (the library default); off when events are the only consumer. */
  capture: boolean;
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
}

/**
 * Runs one command on one host's connection. A non-zero exit is a result; only failure to run
 * or finish (channel, connection, timeout, cancel) rejects, with a FleetError.
 */
export async function execTask(conn: Connection, opts: ExecTaskOptions): Promise<ExecOutput> {
  const stdout = new OutputCapture(opts.maxOutputBytes, opts.capture, opts.onStdout);
  const stderr = new OutputCapture(opts.maxOutputBytes, opts.capture, opts.onStderr);
  const exit = await conn.exec({
    command: opts.command,
    signal: opts.signal,
    onStdout: (chunk) => stdout.push(chunk),
    onStderr: (chunk) => stderr.push(chunk),
  });
  return {
    exitCode: exit.exitCode,
    signal: exit.signal,
    stdout: stdout.end(),
    stderr: stderr.end(),
    truncated: stdout.truncated || stderr.truncated,
  };
}
