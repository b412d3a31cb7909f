import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StringSink } from '../render/renderer.js';
import { recordRun } from '../render/__fixtures__/run-events.js';
import { runCli } from '../../test/support/cli.js';
import { startHtmlReport } from './html-report.js';
import type { CliIo } from './io.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-html-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(): CliIo {
  return { stdout: new StringSink(), stderr: new StringSink(), env: { USER: 'ops' }, cwd: dir };
}

describe('--report FILE.html', () => {
  it('a directory that cannot take the file is a usage error (exit 2) before any host is contacted', async () => {
    for (const command of [['exec', 'true'], ['put', 'a', '/tmp/a'], ['get', '/etc/hostname', dir]]) {
      const run = await runCli([...command, '-H', '127.0.0.1:9', '--report', path.join(dir, 'no/such/dir/r.html')], { cwd: dir, env: { HOME: dir } });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--report .*cannot write into/);
    }
  }, 30_000); // three in-process CLI runs: slow only on a loaded machine

  it('gathers the events and writes one page with the exit code and the selection', async () => {
    const target = await startHtmlReport({ report: 'r.html', limit: 'web*', inventory: ['hosts.yaml'] }, io());
    for (const event of recordRun('uptime', [{ host: 'web1', output: [['stdout', 'up\n']] }])) target?.onEvent(event);
    await target?.write(0);
    const html = await readFile(path.join(dir, 'r.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="fleet-data">([^<]*)<\/script>/.exec(html)?.[1] ?? '') as { exitCode: number; selection: string; ranBy: string; hosts: unknown[] };
    expect(data).toMatchObject({ exitCode: 0, selection: '-i hosts.yaml -l web*' });
    expect(data.ranBy).toMatch(/^ops@/);
    expect(data.hosts).toHaveLength(1);
  });
});
