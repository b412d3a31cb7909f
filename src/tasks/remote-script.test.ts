import { spawn } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRemoteCommand } from './remote-script.js';
import { tempDir } from '../../test/support/temp-dir.js';

/** Runs `script` with /bin/sh (what a login shell does with it), feeding `stdin`. */
function sh(script: string, opts: { stdin?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script], { env: { PATH: process.env['PATH'], ...opts.env }, cwd: opts.cwd ?? os.tmpdir() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A script that exits before reading (cd fails, sudo refuses) closes its stdin: EPIPE is expected then.
    child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(err);
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

/**
 * A stand-in `sudo` on PATH: `-n true` succeeds only with FAKE_NOPASSWD=1; `-S -p P` prints P on
 * stderr and reads one password line, which must be "s3cret"; then it runs the command (the real
 * sudo would switch user; which user is not the point here).
 */
async function fakeSudoPath(): Promise<string> {
  const dir = tempDir('fleet-fake-sudo-');
  const script = `#!/bin/sh
mode=n
while [ $# -gt 0 ]; do
  case "$1" in
    -n) mode=n; shift ;;
    -S) mode=S; shift ;;
    -p) prompt="$2"; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
if [ "$mode" = n ]; then
  [ "$FAKE_NOPASSWD" = 1 ] || { echo "sudo: a password is required" >&2; exit 1; }
else
  printf '%s' "$prompt" >&2
  IFS= read -r pw || exit 1
  [ "$pw" = s3cret ] || { echo "Sorry, try again." >&2; exit 1; }
fi
exec "$@"
`;
  await writeFile(path.join(dir, 'sudo'), script);
  await chmod(path.join(dir, 'sudo'), 0o755);
  return `${dir}:${process.env['PATH']}`;
}

const ARG = `'$x;|&"`;

describe('buildRemoteCommand without sudo', () => {
  it('is the command unchanged, env left to the transport', () => {
    expect(buildRemoteCommand({ command: 'uname -n', env: { A: '1' } })).toEqual({ command: 'uname -n', env: { A: '1' } });
  });

  it('runs in a directory whose name needs quoting, and not at all when cd fails', async () => {
    const dir = tempDir(`fleet cwd ${ARG} `);
    const ok = await sh(buildRemoteCommand({ command: 'pwd; echo "$x"', cwd: dir }).command, { env: { x: 'X' } });
    expect(ok).toMatchObject({ code: 0, stdout: `${dir}\nX\n` });
    const bad = await sh(buildRemoteCommand({ command: 'echo ran', cwd: path.join(dir, 'missing') }).command);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toBe('');
  });

  it('rejects an env name that is not a shell identifier', () => {
    expect(() => buildRemoteCommand({ command: 'true', env: { 'A-B': '1' } })).toThrow(expect.objectContaining({ code: 'FLEET_USAGE' }));
  });
});

describe('buildRemoteCommand with sudo (a stand-in sudo)', () => {
  const command = `printf '<%s>' "$V" "$#" "$(pwd)"; echo; cat; exit 7`;

  it('with a password: sudo -S reads the first line, the command gets the rest, env and cwd apply inside', async () => {
    const PATH = await fakeSudoPath();
    const dir = tempDir('fleet-sudo-cwd-');
    const script = buildRemoteCommand({ command, env: { V: ARG }, cwd: dir, sudo: { prompt: '[P]' } });
    expect(script.env).toBeUndefined();
    const run = await sh(script.command, { stdin: 's3cret\nuser data\n', env: { PATH } });
    expect(run).toEqual({ code: 7, stdout: `<${ARG}><0><${dir}>\nuser data\n`, stderr: '[P]' });
  });

  it('with a password sudo does not ask for (NOPASSWD): the line is dropped, never the command\'s stdin', async () => {
    const PATH = await fakeSudoPath();
    const script = buildRemoteCommand({ command: 'cat', sudo: { prompt: '[P]' } });
    const run = await sh(script.command, { stdin: 's3cret\nuser data\n', env: { PATH, FAKE_NOPASSWD: '1' } });
    expect(run).toEqual({ code: 0, stdout: 'user data\n', stderr: '' });
  });

  it('without a password: sudo -n, which fails instead of prompting', async () => {
    const PATH = await fakeSudoPath();
    const script = buildRemoteCommand({ command: 'echo ran', sudo: {} });
    expect(script.command.startsWith('sudo -n -- sh -c ')).toBe(true);
    const run = await sh(script.command, { env: { PATH } });
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'sudo: a password is required\n' });
  });

  it('a wrong password fails with sudo\'s message, the command never runs', async () => {
    const PATH = await fakeSudoPath();
    const run = await sh(buildRemoteCommand({ command: 'echo ran', sudo: { prompt: '[P]' } }).command, { stdin: 'wrong\n', env: { PATH } });
    expect(run).toEqual({ code: 1, stdout: '', stderr: '[P]Sorry, try again.\n' });
  });

  it('never puts a password or the prompt marker anywhere but where sudo reads it', () => {
    const script = buildRemoteCommand({ command: 'true', sudo: { prompt: '[fleet-sudo-abc]' } });
    expect(script.command).toContain("-p '[fleet-sudo-abc]'");
    expect(script.command).not.toContain('s3cret');
  });
});
