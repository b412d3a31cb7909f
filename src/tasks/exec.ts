import type { OutputFlow } from '../output-flow.js';
import type { ExecOutput } from '../result.js';
import type { Connection } from '../transport/index.js';
import { MarkerStripper } from './marker-stripper.js';
import { OutputCapture, type OutputSink } from './output-capture.js';
import { buildRemoteCommand } from './remote-script.js';

/** sudo for one exec: the password (from the caller's secret source) and the run's prompt marker. */
export interface ExecSudo {
  /** Written to stdin, first line, for `sudo -S`; undefined: `sudo -n` (never prompt). */
  password?: string | undefined;
  /** Unique per run (see buildRemoteCommand); stripped from both output streams. */
  prompt: string;
  /** Run as this user instead of root (`sudo -u`). */
  user?: string | undefined;
}

/** What the exec task needs; `command` is shell code for the remote user's shell, sent as written. */
export interface ExecTaskOptions {
  command: string;
  signal: AbortSignal;
  /** Per-stream cap on captured and forwarded output. */
  maxOutputBytes: number;
  /** Keep output in the result (the library default); off when events are the only consumer. */
  capture: boolean;
  /** Run in this directory (`cd -- DIR`; the command does not run if that fails). */
  cwd?: string | undefined;
  /** Variables the command sees. */
  env?: Readonly<Record<string, string>> | undefined;
  /** Allocate a pseudo-terminal (stderr arrives merged into stdout). */
  pty?: boolean | undefined;
  /** The command's stdin (the same bytes on every host); absent: EOF at once. */
  stdin?: Buffer | undefined;
  sudo?: ExecSudo | undefined;
  onStdout?: OutputSink | undefined;
  onStderr?: OutputSink | undefined;
  /** The output consumer's backpressure (see OutputFlow). */
  flow?: OutputFlow | undefined;
  /** Each phase's duration as it ends: `channel` open, then `exit` (see host_phase events). */
  onTiming?: ((phase: 'channel' | 'exit', durationMs: number) => void) | undefined;
}

/**
 * Runs one command on one host's connection. A non-zero exit is a result; only failure to run
 * or finish (channel, connection, timeout, cancel) rejects, with a FleetError.
 *
 * The sudo password exists here only as the first line of stdin: it is not in the command line,
 * the events or any error, and sudo's prompt (which would show where it was asked) is stripped.
 */
export async function execTask(conn: Connection, opts: ExecTaskOptions): Promise<ExecOutput> {
  const script = buildRemoteCommand({
    command: opts.command,
    cwd: opts.cwd,
    env: opts.env,
    sudo: opts.sudo && { prompt: opts.sudo.password === undefined ? undefined : opts.sudo.prompt, user: opts.sudo.user },
  });
  const stdout = new OutputCapture(opts.maxOutputBytes, opts.capture, opts.onStdout);
  const stderr = new OutputCapture(opts.maxOutputBytes, opts.capture, opts.onStderr);
  // sudo -S prints its prompt on stderr (on the one pty stream with --pty): strip both.
  const strip = opts.sudo?.password === undefined ? undefined : strippers(opts.sudo.prompt, opts.pty === true);
  const stdin = stdinFor(opts);
  const exit = await conn.exec({
    command: script.command,
    signal: opts.signal,
    onStdout: (chunk) => stdout.push(strip ? strip.out.push(chunk) : chunk),
    onStderr: (chunk) => stderr.push(strip ? strip.err.push(chunk) : chunk),
    ...(script.env && { env: script.env }),
    ...(opts.pty && { pty: true }),
    ...(stdin !== undefined && { stdin }),
    ...(opts.sudo?.password !== undefined && { stdinIsSecret: true }),
    ...(opts.flow !== undefined && { flow: opts.flow }),
    ...(opts.onTiming !== undefined && { onTiming: opts.onTiming }),
  });
  if (strip) {
    stdout.push(strip.out.end());
    stderr.push(strip.err.end());
  }
  return {
    exitCode: exit.exitCode,
    signal: exit.signal,
    stdout: stdout.end(),
    stderr: stderr.end(),
    truncated: stdout.truncated || stderr.truncated,
  };
}

function strippers(prompt: string, pty: boolean): { out: MarkerStripper; err: MarkerStripper } {
  return { out: new MarkerStripper(prompt, { eatNewline: pty }), err: new MarkerStripper(prompt, { eatNewline: pty }) };
}

function stdinFor(opts: ExecTaskOptions): Buffer | undefined {
  if (opts.sudo?.password === undefined) return opts.stdin;
  const line = Buffer.from(`${opts.sudo.password}\n`, 'utf8');
  return opts.stdin === undefined ? line : Buffer.concat([line, opts.stdin]);
}
