/**
 * Builds the shell code fleet sends for one `exec`: the user's command, run in `cwd`, optionally
 * as root through sudo. Everything fleet adds is quoted with shellQuote; the user's command is
 * shell code and goes in as written. (The transport adds its own first line, the process-group
 * report, and the `export`s of `ExecRequest.env`.)
 */
import { FleetError } from '../errors.js';
import { isShellName, shellQuote } from '../shell-quote.js';

/** How the command is raised to root. */
export interface SudoScript {
  /**
   * The prompt sudo prints when it reads the password from stdin (`sudo -S -p PROMPT`); fleet
   * strips it from the output. Absent: no password was given, so `sudo -n` (fail, never prompt).
   */
  prompt?: string | undefined;
  /** Run as this user (`sudo -u USER`) rather than root. */
  user?: string | undefined;
}

/** What {@link buildRemoteCommand} composes. */
export interface RemoteScriptSpec {
  command: string;
  /** Directory to run in: `cd -- DIR` first; the command does not run if that fails. */
  cwd?: string | undefined;
  /** Variables the command sees. Only used here under sudo (see below). */
  env?: Readonly<Record<string, string>> | undefined;
  sudo?: SudoScript | undefined;
}

/** The composed command, and the env the transport should export (none under sudo). */
export interface RemoteScript {
  command: string;
  env: Record<string, string> | undefined;
}

/**
 * Composes the remote command line.
 *
 * Without sudo: `cd -- DIR || exit` then the command, and `env` goes to the transport (which
 * exports it in the login shell, whatever the server's AcceptEnv).
 *
 * With sudo the user's shell runs `sudo ... -- sh -c SCRIPT fleet-sudo $$`. sudo resets the
 * environment, so the exports move inside SCRIPT, as does the `cd` (a directory only root may
 * enter works). SCRIPT also starts a watchdog (see {@link SUDO_WATCHDOG}). With a password:
 * - if sudo needs none (NOPASSWD, or cached), the password line fleet writes to stdin is read
 *   and dropped by the user's shell, so it can never reach the command's stdin;
 * - otherwise `sudo -S -p PROMPT` reads it from stdin; the bytes after it are the command's.
 *
 * @throws FleetError FLEET_USAGE for an env name that is not a shell identifier.
 */
export function buildRemoteCommand(spec: RemoteScriptSpec): RemoteScript {
  const env = spec.env ?? {};
  for (const name of Object.keys(env)) {
    if (!isShellName(name)) throw new FleetError('FLEET_USAGE', `env: ${JSON.stringify(name)} is not a valid environment variable name`);
  }
  if (spec.sudo === undefined) {
    const cd = spec.cwd === undefined ? '' : `${cdLine(spec.cwd)}\n`;
    return { command: `${cd}${spec.command}`, env: Object.keys(env).length > 0 ? { ...env } : undefined };
  }
  const body = [
    // $1 is the watchdog's; the command sees no positional parameters, as without sudo.
    'set --',
    ...Object.entries(env).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    ...(spec.cwd === undefined ? [] : [cdLine(spec.cwd)]),
    spec.command,
  ].join('\n');
  // The subshell keeps `exit` in the command from skipping the watchdog's cleanup; the newline
  // before `)` keeps a trailing comment or here-document in the command from eating it.
  const inner = [SUDO_WATCHDOG, '_fleet_watch=$!', `(${body}`, ')', '_fleet_status=$?', 'kill "$_fleet_watch" 2>/dev/null', 'exit "$_fleet_status"'].join('\n');
  const as = spec.sudo.user === undefined ? '' : ` -u ${shellQuote(spec.sudo.user)}`;
  const run = (flags: string): string => `sudo ${flags}${as} -- sh -c ${shellQuote(inner)} fleet-sudo "$$"`;
  if (spec.sudo.prompt === undefined) return { command: run('-n'), env: undefined };
  const prompt = shellQuote(spec.sudo.prompt);
  // The probe asks for the same target user: sudoers may allow one user without a password and not another.
  const command = `if sudo -n${as} true 2>/dev/null; then IFS= read -r _fleet_line; unset _fleet_line; ${run('-n')}; else ${run(`-S -p ${prompt}`)}; fi`;
  return { command, env: undefined };
}

/**
 * Runs as root beside the command. Why: fleet stops a command by killing its process group from
 * a second channel as the login user (DESIGN §8), and the user may not signal root processes;
 * sudo relays the TERM to the shell it started, not to that shell's children. The watchdog
 * polls the user's shell (`$1`, the group's leader, which the user can kill); once it is gone,
 * the watchdog TERMs the whole group, waits a second and KILLs what is left (itself included).
 * Its stdio is /dev/null so it never holds the channel open. On a normal end the script kills it.
 * Under `--sudo-user` it runs as that user, who may not signal the login user's shell: `kill -0`
 * then fails with EPERM while the shell lives, so /proc says whether it still exists.
 */
export const SUDO_WATCHDOG =
  `( exec </dev/null >/dev/null 2>&1; while kill -s 0 "$1" 2>/dev/null || [ -d "/proc/$1" ]; do sleep 1; done; ` +
  `trap '' TERM; kill -s TERM 0; sleep 1; kill -s KILL 0 ) &`;

function cdLine(dir: string): string {
  if (dir === '') throw new FleetError('FLEET_USAGE', 'cwd: the directory must not be empty');
  return `cd -- ${shellQuote(dir)} || exit`;
}
