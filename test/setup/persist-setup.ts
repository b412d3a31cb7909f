/**
 * globalSetup of the `persist` project: a fresh private keeper directory for the run (the suites
 * then run through the keeper that their first command starts), and at the end the keeper
 * stopped and the directory removed.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { keeperStatus } from '../../src/transport/keeper/keeper-transport.js';
import { persistKeeperDir } from './persist-dir.js';

export function setup(): () => Promise<void> {
  const dir = persistKeeperDir();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { mode: 0o700 });
  return async () => {
    const status = await keeperStatus({ FLEET_KEEPER_DIR: dir }).catch(() => undefined);
    process.stderr.write(`[fleet persist] keeper held ${status?.hosts.length ?? 0} connection(s) at the end\n`);
    // By its pid, never by name.
    if (status !== undefined) process.kill(status.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
}
