import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Shared by every copy of this module in the main process (the bundled config and the globalSetup
// each load their own): the first answer is the answer.
const KEY = Symbol.for('fleet.test.persistKeeperDir');
type Global = typeof globalThis & { [KEY]?: string };

/**
 * The keeper directory of the `persist` project's run (config and globalSetup share the main
 * process). Computed once: test/setup/hygiene.ts points TMPDIR at the run's own temp dir between
 * the config (which hands this path to the workers) and persist-setup.ts, and the two must name
 * the same directory.
 */
export function persistKeeperDir(): string {
  const state = globalThis as Global;
  state[KEY] ??= path.join(os.tmpdir(), `fleet-persist-project-${process.pid}`);
  return state[KEY];
}

/**
 * Ends the keeper of `dir` by the pid in its `keeper.pid` (never by name; status requests are not
 * needed, so a busy or stopped keeper is ended too) and waits until the process is gone.
 * Returns its pid, or undefined when no keeper of that directory runs.
 */
export async function killKeeper(dir: string, timeoutMs = 10_000): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path.join(dir, 'keeper.pid'), 'utf8'), 10);
  } catch {
    return undefined;
  }
  // A pid file left by a SIGKILLed keeper may name a process that has since reused the pid.
  if (!Number.isSafeInteger(pid) || pid <= 0 || !isKeeper(pid)) return undefined;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return undefined; // gone meanwhile
  }
  await waitGone(pid, timeoutMs);
  return pid;
}

/** Polls until `pid` has exited (a zombie counts as exited); throws after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** True while `pid` exists and has not exited (its /proc state is not Z). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": the state follows the last ')' (comm may contain one).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function isKeeper(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('keeper-main');
  } catch {
    return false;
  }
}
