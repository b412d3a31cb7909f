/**
 * The keeper's log, `keeper.log` in its private directory: one timestamped line per event, and
 * never a secret (host names, addresses, users, error codes; no token, key or password ever
 * reaches the keeper's log calls). Rotated the simple way most daemons do: a line that would take
 * the file past its bound (1 MiB) first renames it to `keeper.log.1`, replacing the previous one,
 * so the two files together stay near twice the bound however long the keeper lives.
 *
 * The log never creates the directory: a keeper whose directory was removed writes nothing
 * (it notices and stops: keeper-main.ts).
 */
import { closeSync, constants, fchmodSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

/** keeper.log's bound: past it, the file is rotated to keeper.log.1. */
export const KEEPER_LOG_MAX_BYTES = 1024 * 1024;

/**
 * The bound to use: FLEET_KEEPER_LOG_MAX_BYTES when it is a positive integer, else 1 MiB.
 * For tests only (a small bound to see a rotation); fleet does not pass it to the keeper it
 * starts, so only a keeper started by hand sees it.
 */
export function keeperLogMaxBytes(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env['FLEET_KEEPER_LOG_MAX_BYTES'];
  const value = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return Number.isSafeInteger(value) && value > 0 ? value : KEEPER_LOG_MAX_BYTES;
}

/** A writer of `file` that rotates it past `maxBytes`; failures are swallowed (diagnostics only). */
export function createKeeperLog(file: string, maxBytes: number): (line: string) => void {
  return (line: string): void => {
    const text = Buffer.from(`${new Date().toISOString()} [${process.pid}] ${line}\n`);
    let fd: number | undefined;
    try {
      fd = openLog(file);
      const { size } = fstatSync(fd);
      if (size > 0 && size + text.length > maxBytes) {
        renameSync(file, `${file}.1`);
        closeSync(fd);
        fd = undefined;
        fd = openLog(file);
      }
      writeSync(fd, text);
    } catch {
      // diagnostics only: a full disk or a removed directory must not stop the keeper
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  };
}

/** Opens for appending, creating it 0600 (no O_CREAT of the directory; no symlink followed). */
function openLog(file: string): number {
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    // A file left readable by others (it names hosts and addresses) is narrowed.
    if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}
