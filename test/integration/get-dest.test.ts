/**
 * A value registered from remote output cannot choose where a `get` step's files land locally
 * (2 local sshd hosts): lab001 answers with a path that climbs out of the steps directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/fleet.js';
import { loadInventory, type Inventory } from '../../src/inventory/index.js';
import { startLab, type Lab } from '../lab/lab.js';

let lab: Lab;
let inventory: Inventory;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'fleet-get-dest-'));
  lab = await startLab({ hosts: 2, name: 'it-get-dest' });
  inventory = await loadInventory(lab.inventoryFile, { sshConfig: false });
});
afterAll(async () => {
  await lab?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A steps file in `<case>/steps/`: lab001 registers `../../outside`, lab002 `fine`. */
async function stepsCase(extra: string): Promise<{ caseDir: string; file: string }> {
  const caseDir = await mkdtemp(path.join(tmp, 'case-'));
  const dir = path.join(caseDir, 'steps');
  await mkdir(dir);
  const file = path.join(dir, 'steps.yaml');
  await writeFile(
    file,
    [
      'steps:',
      '  - exec: if [ "$(uname -n)" = lab001 ]; then echo ../../outside; else echo fine; fi',
      '    register: d',
      '  - exec: mkdir -p /tmp/g && echo data > /tmp/g/f.txt',
      `  - get: {src: /tmp/g/f.txt, dest: "out/{{ d }}"${extra}}`,
      '',
    ].join('\n'),
  );
  return { caseDir, file };
}

describe('get dest filled from a registered value', () => {
  it('a value that leads outside the dest directory fails that host (FLEET_UNSAFE_PATH), writing nothing', async () => {
    const { caseDir, file } = await stepsCase('');
    await using fleet = openFleet({ inventory });
    const report = await fleet.run(file);
    const byHost = Object.fromEntries(report.results.map((r) => [r.host, r.steps[2]]));
    expect(byHost['lab001']).toMatchObject({ status: 'error', error: { code: 'FLEET_UNSAFE_PATH' } });
    expect(byHost['lab002']).toMatchObject({ status: 'ok' });
    expect(existsSync(path.join(caseDir, 'outside'))).toBe(false);
    expect(readFileSync(path.join(caseDir, 'steps', 'out', 'fine', 'lab002', 'f.txt'), 'utf8')).toBe('data\n');
  });

  it('allow_dest_outside: true lets it', async () => {
    const { caseDir, file } = await stepsCase(', allow_dest_outside: true');
    await using fleet = openFleet({ inventory });
    const report = await fleet.run(file);
    expect(report.summary).toMatchObject({ ok: 2 });
    expect(readFileSync(path.join(caseDir, 'outside', 'lab001', 'f.txt'), 'utf8')).toBe('data\n');
  });
});
