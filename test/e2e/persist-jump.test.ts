// --persist for hosts behind a jump host: the keeper keeps the host's connection and its jump
// host's, so a warm run logs in nowhere; a changed chain is another connection (issue #16:
// the jump chain is part of a kept connection's identity).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedLogins, startLab, type Lab } from '../lab/lab.js';
import { spawnFleet, type SpawnedRun } from '../support/spawn-fleet.js';

let lab: Lab;
let work: string;
const keeperDir = (): string => path.join(work, 'keeper');

beforeAll(async () => {
  lab = await startLab({ hosts: 3, name: 'e2e-persist-jump' });
  work = mkdtempSync(path.join(os.tmpdir(), 'fleet-persist-jump-'));
}, 120_000);

afterAll(async () => {
  await spawnFleet(['persist', 'stop'], { cwd: work, env: { FLEET_KEEPER_DIR: keeperDir() } });
  await lab?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The lab's inventory with the given hosts reached through lab001. */
function inventory(name: string, behindLab001: readonly string[]): string {
  const text = readFileSync(lab.inventoryFile, 'utf8').replace(/^( {2}(lab\d+): \{host: "[^"]+")\}$/gm, (line, head: string, host: string) =>
    behindLab001.includes(host) ? `${head}, proxy_jump: lab001}` : line,
  );
  const file = path.join(work, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

function exec(file: string): Promise<SpawnedRun> {
  return spawnFleet(['exec', 'uname -n', '-i', file, '--persist', '5m', '--ssh-config', '/dev/null', '--output', 'json'], {
    cwd: work,
    env: { FLEET_KEEPER_DIR: keeperDir() },
  });
}

/** How many logins each lab host's sshd has accepted so far. */
const logins = (): number[] => acceptedLogins(lab);

async function loginsDuring(run: () => Promise<SpawnedRun>): Promise<number[]> {
  const before = logins();
  const result = await run();
  expect(result.code, result.stderr).toBe(0);
  const doc = JSON.parse(result.stdout) as { hosts: Array<{ host: string; stdout: string; status: string }> };
  expect(doc.hosts.map((h) => [h.host, h.status, h.stdout])).toEqual(lab.hosts.map((h) => [h.name, 'ok', `${h.name}\n`]));
  return logins().map((n, i) => n - (before[i] ?? 0));
}

describe('--persist with proxy_jump', () => {
  it('keeps a host behind a jump host with its jump host; a changed chain connects afresh', async () => {
    const jumped = inventory('jumped', ['lab002', 'lab003']);
    // Cold: lab001 logs in twice (as a host, and as the jump host of lab002 and lab003).
    expect(await loginsDuring(() => exec(jumped))).toEqual([2, 1, 1]);
    // Warm: no login anywhere, the jump host included.
    expect(await loginsDuring(() => exec(jumped))).toEqual([0, 0, 0]);
    // lab003 now direct: another identity, so a new connection for it alone.
    const lab003Direct = inventory('lab003-direct', ['lab002']);
    expect(await loginsDuring(() => exec(lab003Direct))).toEqual([0, 0, 1]);
    expect(await loginsDuring(() => exec(jumped))).toEqual([0, 0, 0]);
  });
});
