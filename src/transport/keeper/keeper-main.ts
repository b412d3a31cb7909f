/**
 * The keeper process's entry point, started detached by the first `fleet --persist` command
 * (keeper-transport.ts). Writes `ready` (or `running` when another keeper already answers) on
 * stdout once the socket listens and its pid file is written, then closes stdout; exits when the
 * keeper stops, and stops by itself when its socket is removed (its directory deleted, say):
 * no client could reach it any more.
 */
import { lstatSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { Keeper } from './keeper.js';
import { createKeeperLog, keeperLogMaxBytes } from './keeper-log.js';
import { keeperPaths } from './paths.js';

/** How often the keeper checks that its socket is still there and still its own. */
const SOCKET_CHECK_MS = 1000;

async function main(): Promise<void> {
  const paths = keeperPaths(process.env);
  const log = createKeeperLog(paths.log, keeperLogMaxBytes(process.env));
  const keeper = new Keeper({ paths, log });
  try {
    await keeper.listen();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    process.stdout.write(code === 'EADDRINUSE' ? 'running\n' : `failed ${(error as Error).message}\n`);
    process.exitCode = code === 'EADDRINUSE' ? 0 : 1;
    return;
  }
  // Only once it listens: a keeper that found another one running must not overwrite its pid.
  try {
    writeFileSync(paths.pid, `${process.pid}\n`, { mode: 0o600 });
  } catch (error) {
    log(`cannot write the pid file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  log('listening');
  // What is at those paths then is not this keeper's: left alone.
  const unwatch = watchSocket(paths.socket, () => keeper.stop('its socket was removed or replaced', { leaveFiles: true }));
  process.on('SIGTERM', () => keeper.stop('SIGTERM'));
  process.on('SIGINT', () => keeper.stop('SIGINT'));
  process.stdout.write('ready\n');
  process.stdout.end();
  await keeper.finished;
  unwatch();
  removePidFile(paths.pid);
  log('exit');
  process.exit(0);
}

/**
 * Calls `gone` once the socket bound at `file` is no longer there (removed, or its directory
 * removed) or is another one (a keeper started since in its place). Polled: portable, and one
 * lstat a second costs nothing.
 */
function watchSocket(file: string, gone: () => void): () => void {
  const bound = lstatSync(file);
  const timer = setInterval(() => {
    try {
      const now = lstatSync(file);
      if (now.ino === bound.ino && now.dev === bound.dev) return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return;
    }
    clearInterval(timer);
    gone();
  }, SOCKET_CHECK_MS);
  // The check alone never keeps the keeper alive.
  timer.unref();
  return () => clearInterval(timer);
}

/** Removes the pid file if it still names this process (a later keeper's is left alone). */
function removePidFile(file: string): void {
  try {
    if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file);
  } catch {
    // already gone
  }
}

void main();
