import { randomBytes } from 'node:crypto';
import { FleetError } from '../errors.js';
import type { EventSink } from '../events.js';
import type { OutputFlow } from '../output-flow.js';
import { statusOfExec, type ExecOutput, type RunReport, type TaskResult } from '../result.js';
import type { HostOutcome } from '../run/host-run.js';
import { validateRollout, type HostCount } from '../run/rollout.js';
import { runHosts } from '../run/run-hosts.js';
import { execTask, type ExecSudo } from '../tasks/exec.js';
import { isShellName } from '../shell-quote.js';
import { perHostText } from '../steps/host-values.js';
import { hostRunOptions, type OperationContext } from './context.js';

/** Default cap on captured output per host and stream: 1 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** Options of `Fleet.exec`. */
export interface FleetExecOptions {
  /** Narrows the fleet's hosts for this command. */
  limit?: string;
  /** Per-host command bound; the remote command is killed and the host ends `timeout`. */
  timeoutMs?: number;
  /** Whole-run bound. */
  deadlineMs?: number;
  /** Aborting stops running commands (hosts end `interrupted`). */
  signal?: AbortSignal;
  /** Aborting starts no new hosts; running ones finish (first Ctrl-C). */
  drain?: AbortSignal;
  onEvent?: EventSink;
  /** Cap per host and stream on captured and reported output. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Keep output in the report's results. Default true; events carry it either way. */
  capture?: boolean;
  /**
   * Backpressure from the events' consumer: while it is congested, hosts' output is not read
   * and their commands block on write, so a slow reader bounds fleet's memory (see OutputFlow).
   */
  outputFlow?: OutputFlow;
  /**
   * Run the command as root through sudo. `true` (or no password): `sudo -n`, which fails rather
   * than prompt. With `password`, it is written to stdin for `sudo -S` and never appears in
   * events, errors or output. Pass it from a secret source, never a command-line argument.
   * With `user`, the command runs as that user instead of root (`sudo -u USER`).
   */
  sudo?: boolean | { password?: string | undefined; user?: string | undefined };
  /** Allocate a pseudo-terminal (stderr then arrives merged into stdout). */
  pty?: boolean;
  /** The command's stdin: the same bytes on every host. Absent: EOF at once. */
  stdin?: Buffer | string;
  /** Variables the command sees (names must be shell identifiers). */
  env?: Record<string, string>;
  /** Directory the command runs in; the command does not run if `cd` fails. */
  cwd?: string;
  /** Hosts per wave (`10` or `'25%'`); each wave waits for the previous one to finish. */
  batch?: HostCount;
  /** Past this many failed hosts (or this share), no new host starts; the rest end `skipped`. */
  maxFail?: HostCount;
  /** A first wave of this many hosts; if any fails, no other host starts. */
  canary?: number;
}

/**
 * Runs one command on every host of `ctx`; resolves to the total report. Rejects before any
 * connection with FLEET_USAGE for an invalid env name, sudo password or template filter,
 * TypeError for malformed rollout options. A `{{ name }}` the host has no value for is that
 * host's FLEET_TEMPLATE_UNDEFINED result.
 */
export function execOperation(ctx: OperationContext, command: string, opts: FleetExecOptions): Promise<RunReport<ExecOutput>> {
  const maxOutputBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const rollout = { batch: opts.batch, maxFail: opts.maxFail, canary: opts.canary };
  let commandFor: ReturnType<typeof perHostText>;
  try {
    validateExecOptions(opts);
    validateRollout(rollout);
    // `{{ host }}`, `{{ vars.color }}`...: filled per host, shell-quoted unless `| raw`.
    commandFor = perHostText(command, 'command', 'command');
  } catch (error) {
    return Promise.reject(error);
  }
  const sudo = sudoFor(opts.sudo);
  const stdin = typeof opts.stdin === 'string' ? Buffer.from(opts.stdin, 'utf8') : opts.stdin;
  return runHosts<ExecOutput>({
    label: command,
    ...hostRunOptions(ctx, opts),
    rollout,
    classify: classifyExec,
    task: ({ conn, host, signal, emit, phase }) =>
      execTask(conn, {
        command: commandFor(host),
        signal,
        maxOutputBytes,
        capture: opts.capture ?? true,
        cwd: opts.cwd,
        env: opts.env,
        pty: opts.pty,
        stdin,
        sudo,
        flow: opts.outputFlow,
        onTiming: phase,
        onStdout: (_text, piece) => emit({ type: 'stdout', host: host.name, ...piece }),
        onStderr: (_text, piece) => emit({ type: 'stderr', host: host.name, ...piece }),
      }),
  });
}

/** An exec result's status (ok or failed by exit code, else its error's) and how it ended. */
export function classifyExec(result: TaskResult<ExecOutput>): HostOutcome {
  return {
    status: statusOfExec(result),
    exitCode: result.ok ? result.value.exitCode : null,
    signal: result.ok ? result.value.signal : null,
  };
}

// One prompt per run, random, so it can be stripped from output without ever matching the
// hosts' own text. No `%`: sudo expands %-escapes in prompts.
function sudoFor(option: FleetExecOptions['sudo']): ExecSudo | undefined {
  if (option === undefined || option === false) return undefined;
  const password = option === true ? undefined : option.password;
  const user = option === true ? undefined : option.user;
  return { password, prompt: `[fleet-sudo-${randomBytes(12).toString('hex')}]`, ...(user !== undefined && { user }) };
}

function validateExecOptions(opts: FleetExecOptions): void {
  for (const name of Object.keys(opts.env ?? {})) {
    if (!isShellName(name)) throw new FleetError('FLEET_USAGE', `env: ${JSON.stringify(name)} is not a valid environment variable name`);
  }
  if (opts.cwd === '') throw new FleetError('FLEET_USAGE', 'cwd: the directory must not be empty');
  const user = typeof opts.sudo === 'object' ? opts.sudo.user : undefined;
  if (user !== undefined && !/^[^\s\0-][^\s\0]*$/.test(user)) {
    throw new FleetError('FLEET_USAGE', `sudo: ${JSON.stringify(user)} is not a user name (empty, blank, or starting with "-")`);
  }
  const password = typeof opts.sudo === 'object' ? opts.sudo.password : undefined;
  // The message never quotes the password, only what is wrong with it.
  if (password !== undefined && /[\r\n\0]/.test(password)) {
    throw new FleetError('FLEET_USAGE', 'sudo: the password contains a line break or NUL, which sudo -S cannot read');
  }
  if (opts.maxOutputBytes !== undefined && !(Number.isSafeInteger(opts.maxOutputBytes) && opts.maxOutputBytes >= 0)) {
    throw new TypeError(`The "maxOutputBytes" option must be an integer >= 0. Received ${String(opts.maxOutputBytes)}`);
  }
}
