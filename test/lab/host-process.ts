import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export const SSHD = '/usr/sbin/sshd';

/**
 * The per-host wrapper: private mount and UTS namespaces (unshare without --fork execs in place,
 * so the pid we get is the sshd's), then a private empty tmpfs on /tmp and on root's home (each
 * host its own ~, and no ~/.bashrc of this machine: bash sources it for every ssh command, and
 * here it runs `pyenv init`, ~200 ms of CPU per command), the host's own hostname, then sshd.
 */
const WRAPPER =
  'mount -t tmpfs -o mode=1777 tmpfs /tmp && mount -t tmpfs -o mode=0700 tmpfs /root && ' +
  'hostname "$1" && exec "$2" -D -f "$3" -E "$4"';

/** Directories every lab host replaces with its own tmpfs (the state dir must lie elsewhere). */
export const PRIVATE_DIRS: readonly string[] = ['/tmp', '/root'];

export interface SpawnedHost {
  pid: number;
  /** Set once the process has exited (an sshd that dies while starting is a failed start). */
  exited: () => boolean;
}

/** Start one lab host's sshd; its stderr and sshd's own log go to `logFile`. */
export function spawnLabHost(name: string, configFile: string, logFile: string, detached: boolean): SpawnedHost {
  const log = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(
      'unshare',
      ['--mount', '--uts', '--propagation', 'private', 'sh', '-c', WRAPPER, 'sh', name, SSHD, configFile, logFile],
      { detached, stdio: ['ignore', 'ignore', log] },
    );
    if (child.pid === undefined) throw new Error(`could not spawn unshare for ${name}`);
    let gone = false;
    child.once('exit', () => {
      gone = true;
    });
    child.once('error', () => {
      gone = true;
    });
    if (detached) child.unref();
    return { pid: child.pid, exited: () => gone };
  } finally {
    closeSync(log);
  }
}

/** The last lines of a host's log, for error messages. */
export function logTail(logFile: string, lines = 5): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
