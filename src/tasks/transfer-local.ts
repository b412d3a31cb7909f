/**
 * The local side of `fleet get`, where remote names are untrusted: a hostile or broken server may
 * send `..`, `/etc/passwd`, `a/b`, names with NUL, or set up entries so that a later write would
 * go through a symlink. Every name is checked as one path component, every directory fleet
 * descends into is checked to be a real directory (lstat), temps are created with O_EXCL and
 * O_NOFOLLOW, and a final path that is a symlink is never followed nor replaced. Nothing is ever
 * written outside `LOCALDIR/<host>/`.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FleetError } from '../errors.js';
import { TEMP_MARK } from './transfer-paths.js';
import { randomBytes } from 'node:crypto';

/**
 * Checks that `name` (from the remote side, or the inventory's host name) is a single, plain path
 * component: not empty, `.` or `..`, no `/`, no NUL, no backslash-free tricks needed beyond that
 * on POSIX. Returns it; throws FLEET_UNSAFE_PATH naming the host.
 */
export function checkPathComponent(name: string, host: string, what = 'remote name'): string {
  const bad =
    name === '' ? 'is empty' : name === '.' || name === '..' ? 'is a dot entry' : name.includes('/') ? 'contains "/"' : name.includes('\0') ? 'contains NUL' : undefined;
  if (bad !== undefined) {
    throw new FleetError('FLEET_UNSAFE_PATH', `${host}: refusing ${what} ${JSON.stringify(name)}: it ${bad}`, { host, details: { name } });
  }
  return name;
}

/**
 * Makes sure `path` is a real directory: creates it when missing (one level, mode 0700 before the
 * remote mode is applied), and fails with FLEET_UNSAFE_PATH when it is a symlink or anything
 * but a directory, so nothing is ever written through a link.
 */
export async function ensureLocalDir(path: string, host: string): Promise<void> {
  try {
    await mkdir(path, { mode: 0o700 });
    return;
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') throw localError(error, host, `create directory ${path}`);
  }
  const stats = await lstat(path).catch((error: unknown) => {
    throw localError(error, host, `inspect ${path}`);
  });
  if (!stats.isDirectory()) throw new FleetError('FLEET_UNSAFE_PATH', `${host}: ${path} is ${describe(stats)}, not a directory; refusing to write through it`, { host });
}

/**
 * What is at a final local path: nothing, or a regular file (replaced by the rename). A symlink,
 * a directory or a special file is refused with FLEET_UNSAFE_PATH.
 */
export async function checkLocalTarget(path: string, host: string): Promise<'absent' | 'file'> {
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return 'absent';
    throw localError(error, host, `inspect ${path}`);
  }
  if (stats.isFile()) return 'file';
  throw new FleetError('FLEET_UNSAFE_PATH', `${host}: ${path} is ${describe(stats)}; refusing to replace it`, { host });
}

/**
 * Creates a new temp file `.NAME.fleet-<random>` in `dir`: O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600,
 * so it can neither be an existing file nor a symlink planted in its place.
 */
export async function openLocalTemp(dir: string, name: string, host: string): Promise<{ path: string; handle: FileHandle }> {
  const path = join(dir, `.${name.slice(0, 200)}${TEMP_MARK}${randomBytes(6).toString('hex')}`);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  try {
    return { path, handle: await open(path, flags, 0o600) };
  } catch (error) {
    throw localError(error, host, `create ${path}`);
  }
}

/** A local file system failure as FLEET_LOCAL_IO naming the host, the action and the errno. */
export function localError(error: unknown, host: string, action: string): FleetError {
  if (error instanceof FleetError) return error;
  const code = codeOf(error);
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new FleetError('FLEET_LOCAL_IO', `${host}: cannot ${action}: ${reason}`, { host, details: { errno: code } }, { cause: error });
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symlink';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFile()) return 'a file';
  return 'a special file';
}
