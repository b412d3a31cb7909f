/**
 * vitest globalSetup of every project: the suite leaves nothing behind. The teardown FAILS the
 * run (exit code 1, and the leftovers listed) when it finds, compared with a snapshot taken at
 * setup:
 * - `fleet-*` entries in the temp dir. The run gets a temp dir of its own (TMPDIR for this
 *   process, its test workers and the CLIs they spawn), so other checkouts' runs on this machine
 *   cannot be mistaken for ours;
 * - lab sshd processes of this checkout's labs (command line under its labs root);
 * - docker containers labelled with this run's id (test/setup/containers.ts sets the label).
 *
 * Every project lists this file; the check runs once, in the last teardown (vitest tears the
 * projects down one after the other once every test has finished).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labsRoot } from '../lab/state.js';

const run = promisify(execFile);

/** Environment variable naming this run: containers.ts labels containers with it. */
export const TEST_RUN_ENV = 'FLEET_TEST_RUN';
/** The docker label carrying the run id. */
export const TEST_RUN_LABEL = 'fleet.test-run';

interface Snapshot {
  tmp: string;
  lab: Set<number>;
  users: number;
}

// Shared by every project's copy of this module (one process): set up once, checked once.
const KEY = Symbol.for('fleet.test.hygiene');
type Global = typeof globalThis & { [KEY]?: Snapshot };
const state = globalThis as Global;

/** Pids of processes whose command line names a path under this checkout's labs root. */
function labProcessPids(): Set<number> {
  const root = `${labsRoot()}/`;
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(root)) pids.add(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

async function runContainers(runId: string): Promise<string[]> {
  try {
    const { stdout } = await run('docker', ['ps', '-a', '--filter', `label=${TEST_RUN_LABEL}=${runId}`, '--format', '{{.ID}} {{.Names}}']);
    return stdout.split('\n').filter(Boolean);
  } catch {
    return []; // no docker: no containers either
  }
}

export function setup(): () => Promise<void> {
  if (state[KEY] === undefined) {
    // Before any worker starts: they, and the CLIs they spawn with process.env, inherit it.
    const tmp = mkdtempSync(join(tmpdir(), 'vitest-run-'));
    process.env['TMPDIR'] = tmp;
    process.env[TEST_RUN_ENV] ??= randomBytes(6).toString('hex');
    state[KEY] = { tmp, lab: labProcessPids(), users: 0 };
  }
  const snapshot = state[KEY];
  snapshot.users += 1;
  return async () => {
    snapshot.users -= 1;
    if (snapshot.users > 0) return;
    const leftovers: string[] = [];
    for (const name of readdirSync(snapshot.tmp)) if (name.startsWith('fleet-')) leftovers.push(`temp dir entry ${join(snapshot.tmp, name)}`);
    for (const pid of labProcessPids()) {
      if (snapshot.lab.has(pid)) continue;
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      } catch {
        continue; // exited meanwhile
      }
      leftovers.push(`lab process ${pid}: ${cmd}`);
    }
    for (const container of await runContainers(process.env[TEST_RUN_ENV] as string)) leftovers.push(`container ${container}`);
    rmSync(snapshot.tmp, { recursive: true, force: true });
    if (leftovers.length > 0) {
      // A teardown's error is only logged by vitest: set the exit code so the run fails.
      process.exitCode = 1;
      throw new Error(`the test suite left ${leftovers.length} thing(s) behind:\n  ${leftovers.join('\n  ')}`);
    }
  };
}
