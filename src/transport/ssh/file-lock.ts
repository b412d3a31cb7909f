/**
 * A cross-process lock file (`<file>.lock`, created with O_EXCL) and an atomic file replace
 * (temp file beside the target, fsync, rename). Used for known_hosts writes under accept-new,
 * where several fleet processes (or an `ssh` run) may touch the same file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FleetError } from '../../errors.js';

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up after this long. Default 10000 ms. */
  timeoutMs?: number;
  /** A lock older than this whose owner cannot be proven alive is taken over. Default 30000 ms. */
  staleMs?: number;
}

/**
 * Runs `fn` while holding `<path>.lock`. Rejects with FLEET_LOCAL_IO if the lock cannot be taken
 * in time. The lock is removed in `finally`, whatever `fn` does.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const lockPath = `${path}.lock`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw localIo(`cannot create lock ${lockPath}`, error);
      if (await isStale(lockPath, staleMs)) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new FleetError('FLEET_LOCAL_IO', `timed out after ${timeoutMs} ms waiting for lock ${lockPath} (remove it if no fleet or ssh process holds it)`);
      }
      await sleep(delay + Math.floor(Math.random() * delay));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    const [info, text] = await Promise.all([stat(lockPath), readFile(lockPath, 'utf8')]);
    const pid = Number.parseInt(text, 10);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) return true;
    return Date.now() - info.mtimeMs > staleMs && !(Number.isInteger(pid) && isAlive(pid));
  } catch {
    // Vanished between our open and stat: not stale, just retry.
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Replaces `path` with `content` atomically: readers see the old or the new file, never a torn one.
 * The new file gets `mode` (0600 for known_hosts, as ssh writes it).
 */
export async function replaceFileAtomic(path: string, content: string, mode = 0o600): Promise<void> {
  const temp = `${path}.fleet-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw localIo(`cannot write ${path}`, error);
  }
}

function localIo(message: string, cause: unknown): FleetError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new FleetError('FLEET_LOCAL_IO', code ? `${message} (${code})` : message, {}, { cause });
}
