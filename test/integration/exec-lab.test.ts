import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { runCli } from '../support/cli.js';

describe('fleet exec on a lab of 100 local sshd hosts', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ hosts: 100, name: 'it-exec100' });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('returns 100 results, each host ok with its own output', async () => {
    const run = await runCli(['exec', 'uname -n; df / >/dev/null', '-i', lab.inventoryFile, '-f', '100', '--output', 'json', '--ssh-config', '/dev/null']);
    const doc = JSON.parse(run.stdout) as { hosts: { host: string; status: string; exitCode: number; stdout: string }[]; summary: { ok: number; total: number } };
    expect(run.code).toBe(0);
    expect(doc.summary).toMatchObject({ total: 100, ok: 100 });
    expect(doc.hosts.map((h) => h.host)).toEqual(lab.hosts.map((h) => h.name));
    for (const host of doc.hosts) {
      expect(host).toMatchObject({ status: 'ok', exitCode: 0, stdout: `${host.host}\n` });
    }
  });
});
