/**
 * Remote file system steps of a put, over one SFTP session: create directories as needed, move a
 * verified temp into place, remove leftovers, and explain a failed write (a full disk reads as
 * "Failure" in SFTP; statvfs tells us more).
 */
import { FleetError } from '../errors.js';
import type { RemoteStats, SftpSession } from '../transport/index.js';
import { baseName, remoteDirname } from './transfer-paths.js';

/** stat (following symlinks), or undefined when the path does not exist. */
export async function statOrAbsent(session: SftpSession, path: string, follow = true): Promise<RemoteStats | undefined> {
  try {
    return follow ? await session.stat(path) : await session.lstat(path);
  } catch (error) {
    if (error instanceof FleetError && error.code === 'FLEET_SFTP_NO_SUCH_FILE') return undefined;
    throw error;
  }
}

/**
 * `mkdir -p` over SFTP. `known` caches directories that exist (per host), so a tree of 10k files
 * costs one mkdir per directory. A path that exists but is not a directory is FLEET_SFTP_FAILURE.
 */
export async function makeDirs(session: SftpSession, dir: string, known: Set<string>, mode?: number): Promise<void> {
  if (known.has(dir) || dir === '.' || dir === '/' || dir === '') return;
  try {
    await session.mkdir(dir, mode);
  } catch (error) {
    const stats = await statOrAbsent(session, dir);
    if (stats === undefined) {
      const parent = remoteDirname(dir);
      if (parent === dir || !(error instanceof FleetError) || error.code !== 'FLEET_SFTP_NO_SUCH_FILE') throw error;
      await makeDirs(session, parent, known);
      await session.mkdir(dir, mode);
    } else if (!stats.isDirectory) {
      throw new FleetError('FLEET_SFTP_FAILURE', `${session.host}: ${dir} exists and is not a directory`, { host: session.host, details: { path: dir } });
    }
  }
  known.add(dir);
}

/**
 * Moves `temp` onto `target`. With posix-rename@openssh.com the target is replaced atomically
 * (plain SFTP rename fails when the target exists). Without it: rename, and if the target was in
 * the way, remove it and rename again (a short window without the target; such servers offer no
 * better). A directory at the target is never removed.
 */
export async function replaceInto(session: SftpSession, temp: string, target: string): Promise<void> {
  if (session.hasPosixRename) {
    await session.posixRename(temp, target);
    return;
  }
  try {
    await session.rename(temp, target);
  } catch (error) {
    const existing = await statOrAbsent(session, target, false);
    if (existing === undefined || existing.isDirectory) throw error;
    await session.unlink(target);
    await session.rename(temp, target);
  }
}

/**
 * Gives the verified temp its final mode, then moves it onto `target`. The chmod and the rename
 * are sent back to back (the server answers one channel's requests in order: no extra round
 * trip). Should the chmod fail, the rename still happened and the target holds the new bytes
 * with the temp's 0600 (never a mode wider than asked): the error names the target.
 */
export async function placeWithMode(session: SftpSession, temp: string, target: string, mode: number): Promise<void> {
  const chmod = session.chmod(temp, mode);
  const rename = replaceInto(session, temp, target);
  const [chmodDone, renameDone] = await Promise.allSettled([chmod, rename]);
  if (renameDone.status === 'rejected') throw renameDone.reason;
  if (chmodDone.status === 'rejected') {
    // A server that reordered the two: the chmod missed the temp; the target is where it went.
    await session.chmod(target, mode).catch(() => {
      throw chmodDone.reason;
    });
  }
}

/** Removes `path`, ignoring every failure (cleanup after a failure must not mask it). */
export async function removeQuietly(session: SftpSession, path: string): Promise<void> {
  await session.unlink(path).catch(() => undefined);
}

/**
 * A failed write, explained: SFTP says "Failure" for ENOSPC, so when the file system of `path`
 * has less room than the data still to write, the error becomes FLEET_SFTP_NO_SPACE.
 */
export async function explainWriteFailure(session: SftpSession, error: FleetError, path: string, bytesLeft: number): Promise<FleetError> {
  if (error.code !== 'FLEET_SFTP_FAILURE') return error;
  const free = await session.freeBytes(remoteDirname(path)).catch(() => undefined);
  if (free === undefined || free >= Math.max(1, bytesLeft)) return error;
  return new FleetError(
    'FLEET_SFTP_NO_SPACE',
    `${session.host}: no space left for ${baseName(path)} in ${remoteDirname(path)} (${free} bytes free, ${bytesLeft} more needed)`,
    { host: session.host, details: { path, free, needed: bytesLeft } },
    { cause: error },
  );
}
