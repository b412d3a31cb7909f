/**
 * Baselines built on the OpenSSH client: `ssh`/`scp` loops under `xargs -P`, and the
 * process-per-host fan-out tools pssh (`parallel-ssh`, Debian's name), pdsh and clush. Every one
 * checks host keys strictly against the lab's known_hosts and ignores ~/.ssh/config.
 */
import { existsSync } from 'node:fs';
import type { CommandSpec } from '../measure.js';

/** What an OpenSSH-based baseline needs of a lab view. */
export interface SshTarget {
  user: string;
  keyFile: string;
  knownHostsFile: string;
  /** One address per line (every host on port 22). */
  addressesFile: string;
  count: number;
}

export function sshOptions(t: SshTarget): string[] {
  return [
    '-F', '/dev/null',
    '-i', t.keyFile,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${t.knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
    '-o', 'ConnectTimeout=60',
  ];
}

/** Whether an executable is installed (absolute path or on PATH). */
export function installed(name: string): boolean {
  if (name.includes('/')) return existsSync(name);
  return (process.env['PATH'] ?? '/usr/bin:/bin').split(':').some((dir) => existsSync(`${dir}/${name}`));
}

/** `xargs -P N ssh host CMD`: the shell loop people write first. */
export function sshXargs(t: SshTarget, command: string, forks: number): CommandSpec {
  return {
    argv: ['xargs', '-a', t.addressesFile, '-P', String(forks), '-I{}', 'ssh', ...sshOptions(t), '-l', t.user, '{}', command],
  };
}

/** parallel-ssh with output inline per host (`-i`), no timeout. */
export function pssh(t: SshTarget, command: string, forks: number): CommandSpec {
  return {
    argv: ['parallel-ssh', '-h', t.addressesFile, '-l', t.user, '-p', String(forks), '-t', '0', '-i', '-x', sshOptions(t).join(' '), command],
  };
}

/** pdsh over ssh (`-R ssh`; PDSH_RCMD_TYPE as well), the ssh options through PDSH_SSH_ARGS. */
export function pdsh(t: SshTarget, command: string, forks: number): CommandSpec {
  return {
    argv: ['pdsh', '-R', 'ssh', '-f', String(forks), '-l', t.user, '-w', `^${t.addressesFile}`, command],
    env: { PDSH_RCMD_TYPE: 'ssh', PDSH_SSH_ARGS: `${sshOptions(t).join(' ')} -l%u %h` },
  };
}

/** clush with the ssh options through `-o` (its config's ssh_options stay unset here). */
export function clush(t: SshTarget, command: string, forks: number): CommandSpec {
  return {
    argv: ['clush', '-n', '-S', '-f', String(forks), '-l', t.user, `--hostfile=${t.addressesFile}`, '-o', sshOptions(t).join(' '), command],
  };
}

/** `xargs -P N scp LOCAL host:REMOTE` (no verification). */
export function scpPutXargs(t: SshTarget, local: string, remote: string, forks: number): CommandSpec {
  return {
    argv: ['xargs', '-a', t.addressesFile, '-P', String(forks), '-I{}', 'scp', '-q', ...sshOptions(t), local, `${t.user}@{}:${remote}`],
  };
}

/** `xargs -P N scp host:REMOTE LOCALDIR/host/` (no verification). */
export function scpGetXargs(t: SshTarget, remote: string, localDir: string, forks: number): CommandSpec {
  const script = `mkdir -p "$1/$2" && exec scp -q ${sshOptions(t).join(' ')} "${t.user}@$2:$3" "$1/$2/"`;
  return {
    argv: ['xargs', '-a', t.addressesFile, '-P', String(forks), '-I{}', 'sh', '-c', script, 'sh', localDir, '{}', remote],
  };
}

/** parallel-scp (pssh's scp) to every host. */
export function psshScp(t: SshTarget, local: string, remote: string, forks: number): CommandSpec {
  return {
    argv: ['parallel-scp', '-h', t.addressesFile, '-l', t.user, '-p', String(forks), '-t', '0', '-x', sshOptions(t).join(' '), local, remote],
  };
}

/** parallel-slurp (pssh's get): LOCALDIR/<address>/<name>. */
export function psshSlurp(t: SshTarget, remote: string, localDir: string, name: string, forks: number): CommandSpec {
  return {
    argv: ['parallel-slurp', '-h', t.addressesFile, '-l', t.user, '-p', String(forks), '-t', '0', '-L', localDir, '-x', sshOptions(t).join(' '), remote, name],
  };
}
