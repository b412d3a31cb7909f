// `npm run demo` prints commands a user can copy: `fleet ...` as after an install, absolute
// inventory paths to a lab that is still running, no ANSI escapes when stdout is not a terminal.
// This test runs the demo on a pipe, then runs every printed command in sh with `fleet` on PATH.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopLab } from '../lab/lab.js';
import { defaultLabDir, labIsLive } from '../lab/state.js';

const run = promisify(execFile);
const NAME = 'e2e-demo';
let bin: string;
let output: string;

beforeAll(async () => {
  bin = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-demo-'));
  await symlink(path.resolve('bin/fleet'), path.join(bin, 'fleet'));
  // As a user's shell would run it: no FORCE_COLOR (vitest sets one for its workers).
  const { FORCE_COLOR: _, ...env } = process.env;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/lab/demo.ts'], {
    env: { ...env, FLEET_DEMO_HOSTS: '8', FLEET_DEMO_NAME: NAME },
    maxBuffer: 16 * 1024 * 1024,
  });
  output = stdout;
}, 300_000);

afterAll(async () => {
  await stopLab(defaultLabDir(NAME));
  if (bin) await rm(bin, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('writes no ANSI escapes to a pipe', () => {
    expect(output).not.toContain('\u001b');
  });

  it('leaves the lab running and says how to stop and restart it', () => {
    expect(labIsLive(defaultLabDir(NAME))).toBe(true);
    expect(output).toContain(`npm run lab -- down --name ${NAME}`);
    expect(output).toContain(`npm run lab -- up 8 --name ${NAME}`);
  });

  it('every command it shows runs as printed (fleet on PATH, absolute inventory) with the exit code it showed', async () => {
    const shown = [...output.matchAll(/^\$ (fleet .*)\n[\s\S]*?^\(exit code (\d+)\)$/gm)].map((m) => ({ command: m[1] ?? '', code: Number(m[2]) }));
    expect(shown.length).toBeGreaterThanOrEqual(4);
    expect(shown.map((s) => s.code)).toContain(1); // the "disk full" host
    for (const { command, code } of shown) {
      expect(command).toContain(`-i ${defaultLabDir(NAME)}/inventory.yaml`);
      const again = await run('sh', ['-c', command], { env: { PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: bin } }).then(
        () => 0,
        (error: { code: number }) => error.code,
      );
      expect([command, again]).toEqual([command, code]);
    }
  });
});
