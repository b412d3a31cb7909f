/**
 * globalSetup of the `persist` project: a fresh private keeper directory for the run (the suites
 * then run through the keeper that their first command starts), and at the end the keeper
 * killed by the pid in its pid file, waited for, and only then the directory removed (a keeper
 * still alive could write into it again). The status request only reports; it is bounded and
 * its failure changes nothing (a busy or stopped keeper answers nothing).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { keeperStatus } from '../../src/transport/keeper/keeper-transport.js';
import { killKeeper, persistKeeperDir } from './persist-dir.js';

/** How long the teardown's status request may take before it is given up. */
const STATUS_MS = 3000;

export function setup(): () => Promise<void> {
  const dir = persistKeeperDir();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { mode: 0o700 });
  return () => teardownKeeper(dir);
}

/** Reports, kills the keeper of `dir` by its pid, waits for it to be gone, removes `dir`. */
export async function teardownKeeper(dir: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const status = await Promise.race([
    keeperStatus({ FLEET_KEEPER_DIR: dir }).catch(() => undefined),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), STATUS_MS))),
  ]);
  clearTimeout(timer);
  const pid = await killKeeper(dir);
  process.stderr.write(
    `[fleet persist] keeper ${pid ?? '(none running)'} held ${status === undefined ? 'an unknown number of' : status.hosts.length} connection(s) at the end\n`,
  );
  rmSync(dir, { recursive: true, force: true });
  if (existsSync(dir)) throw new Error(`the persist project's keeper directory ${dir} is still there after its removal`);
}
