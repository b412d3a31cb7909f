// The warm --persist path stays light: a command whose hosts all live in the keeper never loads
// ssh2 (or the handshake code) in the CLI process, which is most of what a warm 1-host run
// would otherwise spend on start-up (issue #16: 1 host warm, whole process, <= 0.15 s).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { spawnFleet, type SpawnedRun } from '../support/spawn-fleet.js';

let lab: Lab;
let work: string;
let keeperDir: string;
let hookFile: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 1, name: 'e2e-warm-start' });
  work = mkdtempSync(path.join(os.tmpdir(), 'fleet-warm-start-'));
  keeperDir = path.join(work, 'keeper');
  // A module resolve hook that records every `ssh2` import of the process it is preloaded into,
  // with that process's main script (the keeper inherits NODE_OPTIONS and loads ssh2 by design).
  hookFile = path.join(work, 'record-ssh2.mjs');
  const hook = `export async function initialize(d) { globalThis.d = d; }
export async function resolve(specifier, context, next) {
  if (specifier === 'ssh2') (await import('node:fs')).appendFileSync(globalThis.d.log, globalThis.d.main + '\\n');
  return next(specifier, context);
}`;
  writeFileSync(
    hookFile,
    `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { log: process.env.SSH2_LOG, main: process.argv[1] } });
`,
  );
}, 120_000);

afterAll(async () => {
  await spawnFleet(['persist', 'stop'], { cwd: work, env: { FLEET_KEEPER_DIR: keeperDir } });
  await lab?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function readIfExists(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** Runs `fleet exec true` on the lab host; returns the run and the main scripts that loaded ssh2. */
async function execRecording(name: string, ...more: string[]): Promise<{ run: SpawnedRun; loadedBy: string[] }> {
  const log = path.join(work, `${name}.log`);
  const run = await spawnFleet(['exec', 'true', '-i', lab.inventoryFile, '--ssh-config', '/dev/null', '--output', 'json', ...more], {
    cwd: work,
    env: { FLEET_KEEPER_DIR: keeperDir, NODE_OPTIONS: `--import=${hookFile}`, SSH2_LOG: log },
  });
  return { run, loadedBy: readIfExists(log).split('\n').filter((l) => l !== '') };
}

describe('the warm --persist path', () => {
  it('does not load ssh2 in the CLI process (a direct run does: the hook sees it)', async () => {
    const direct = await execRecording('direct');
    expect(direct.run.code, direct.run.stderr).toBe(0);
    expect(direct.loadedBy.filter((main) => main.endsWith(path.join('bin', 'fleet')))).not.toEqual([]);

    const cold = await execRecording('cold', '--persist', '5m');
    expect(cold.run.code, cold.run.stderr).toBe(0);
    const warm = await execRecording('warm', '--persist', '5m');
    expect(warm.run.code, warm.run.stderr).toBe(0);
    expect(JSON.parse(warm.run.stdout)).toMatchObject({ hosts: [{ status: 'ok', exitCode: 0 }] });
    expect(warm.loadedBy.filter((main) => main.endsWith(path.join('bin', 'fleet')))).toEqual([]);
  });
});
