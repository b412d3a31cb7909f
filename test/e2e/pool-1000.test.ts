// 1000 hosts at -f 1000: every handshake competes for the same two cores. The handshake limiter
// keeps that queue in fleet, where a host's connect timeout does not run yet, so none times out.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';

const run = promisify(execFile);
const FLEET = path.resolve('bin/fleet');

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ hosts: 1000, name: 'e2e-pool1000' });
}, 300_000);

afterAll(async () => {
  await lab?.stop();
});

describe('1000 lab hosts at -f 1000', () => {
  it('every host ok (no FLEET_CONNECT_TIMEOUT from waiting in our own queue)', async () => {
    let stdout: string;
    try {
      ({ stdout } = await run(process.execPath, [FLEET, 'exec', 'true', '-i', lab.inventoryFile, '-f', '1000', '--output', 'json', '--ssh-config', '/dev/null'], {
        env: { PATH: process.env['PATH'], HOME: lab.dir },
        maxBuffer: 64 * 1024 * 1024,
      }));
    } catch (error) {
      stdout = (error as { stdout: string }).stdout;
    }
    const doc = JSON.parse(stdout) as { summary: { total: number; ok: number }; hosts: Array<{ host: string; status: string; error?: { code: string } }> };
    const codes: Record<string, number> = {};
    for (const h of doc.hosts) if (h.status !== 'ok') codes[h.error?.code ?? h.status] = (codes[h.error?.code ?? h.status] ?? 0) + 1;
    expect(codes).toEqual({});
    expect(doc.summary).toMatchObject({ total: 1000, ok: 1000 });
  }, 300_000);
});
