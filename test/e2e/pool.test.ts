// The connection pool as an operator meets it: the built CLI under a low descriptor limit
// (`ulimit -n`), where a run that kept every host's connection open ran out of descriptors.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';

const run = promisify(execFile);
const FLEET = path.resolve('bin/fleet');

let lab: Lab;
let home: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 100, name: 'e2e-pool' });
  home = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-pool-'));
}, 300_000);

afterAll(async () => {
  await lab?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** The built CLI under `ulimit -n LIMIT`, json output; never rejects on a non-zero exit. */
async function fleetUnderUlimit(limit: number, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const quoted = [process.execPath, FLEET, ...args, '--ssh-config', '/dev/null'].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  try {
    const { stdout, stderr } = await run('bash', ['-c', `ulimit -n ${limit}; exec ${quoted}`], { env: { PATH: process.env['PATH'], HOME: home }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface JsonDoc {
  summary: { total: number; ok: number };
  hosts: Array<{ host: string; status: string; error?: { code: string; message: string } }>;
}

function failures(doc: JsonDoc): string[] {
  return doc.hosts.filter((h) => h.status !== 'ok').map((h) => `${h.host}: ${h.status} ${h.error?.code ?? ''} ${h.error?.message ?? ''}`);
}

describe('the connection pool under ulimit -n 80', () => {
  it('100 hosts at -f 10: every host ok (at most 10 connections open, not one per host)', async () => {
    const result = await fleetUnderUlimit(80, ['exec', 'uname -n', '-i', lab.inventoryFile, '-f', '10', '--output', 'json']);
    const doc = JSON.parse(result.stdout) as JsonDoc;
    expect(failures(doc)).toEqual([]);
    expect(doc.summary).toMatchObject({ total: 100, ok: 100 });
    expect(result.code).toBe(0);
  });

  it('100 hosts at -f 100 --max-connections 100: running out of descriptors is back-pressure, not a host failure', async () => {
    const result = await fleetUnderUlimit(80, ['exec', 'uname -n', '-i', lab.inventoryFile, '-f', '100', '--max-connections', '100', '--output', 'json']);
    const doc = JSON.parse(result.stdout) as JsonDoc;
    expect(failures(doc)).toEqual([]);
    expect(doc.summary).toMatchObject({ total: 100, ok: 100 });
    expect(result.code).toBe(0);
  });
});
