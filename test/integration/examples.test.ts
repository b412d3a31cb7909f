// The README's library and steps-file examples are files in examples/; this test keeps the two
// identical and runs them against a lab, so the README never shows code that does not work.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet } from '../../src/fleet.js';
import { loadInventory } from '../../src/inventory/index.js';
import { startLab, type Lab } from '../lab/lab.js';
import { runCli } from '../support/cli.js';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');

/** The fenced block that follows `<!-- example: FILE ... -->` in the README. */
function readmeExample(file: string): string {
  const marker = readme.indexOf(`<!-- example: ${file}`);
  expect(marker, `README has no example marker for ${file}`).toBeGreaterThanOrEqual(0);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(marker));
  return block?.[1] ?? '';
}

/** Runs an example script the way a user would with tsx. */
async function runExample(file: string, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(repo, file), ...args], { cwd: repo, timeout: 120_000 });
  return stdout;
}

describe('examples (README) on a lab of 5 local sshd hosts', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ hosts: 5, name: 'it-examples' });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it.each(['examples/library.ts', 'examples/session.ts', 'examples/deploy.yaml'])('README shows %s exactly', (file) => {
    const text = readFileSync(path.join(repo, file), 'utf8');
    // The README imports the package by name; the example imports the source it ships with.
    expect(readmeExample(file).replaceAll(`from 'fleet'`, `from '../src/index.js'`)).toBe(text);
  });

  it('the steps-file example deploys: build here, upload, unpack, canary restart, clean up', async () => {
    const result = await runCli(['run', path.join(repo, 'examples/deploy.yaml'), '-i', lab.inventoryFile, '--output', 'json', '--ssh-config', '/dev/null']);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as { hosts: { host: string; status: string; stdout: string }[]; summary: { ok: number } };
    expect(doc.summary.ok).toBe(5);
    for (const host of doc.hosts) expect(host.stdout).toBe(`app 1.4.2 running on ${host.host}\n`);
    // What the hosts have now, read back over fresh connections.
    await using fleet = openFleet({ inventory: await loadInventory(lab.inventoryFile, { sshConfig: false }) });
    const check = await fleet.exec('cat ~/app/running; ls ~/app');
    for (const r of check.results) expect(r.ok && r.value.stdout).toBe(`app 1.4.2 running on ${r.host}\ncurrent\nrunning\n`);
  });

  it('the library example prints each host and its steps', async () => {
    const out = await runExample('examples/library.ts', [lab.inventoryFile]);
    for (const host of lab.hosts) expect(out).toContain(`${host.name} who=ok greet=ok hello from ${host.name}\n`);
    expect(out).toMatch(/total: 5,\s+ok: 5,/);
  });

  it('the session example runs exec, put, rename and sha256 on one host', async () => {
    const host = lab.hosts[0];
    const out = await runExample('examples/session.ts', [`root@${host?.address}`, lab.keyFile, lab.knownHostsFile]);
    const digest = createHash('sha256').update(readFileSync(path.join(repo, 'examples/session.ts'))).digest('hex');
    expect(out).toContain(`: ${host?.name} (exit 0)\n`);
    expect(out).toContain(`sha256 ${digest}\n`);
  });
});
