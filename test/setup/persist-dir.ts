import os from 'node:os';
import path from 'node:path';

/** The keeper directory of the `persist` project's run (config and globalSetup share the main process). */
export function persistKeeperDir(): string {
  return path.join(os.tmpdir(), `fleet-persist-project-${process.pid}`);
}
