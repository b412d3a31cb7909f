// Config files (~/.config/fleet/config.yaml, ./fleet.yaml or above) and FLEET_* variables, as
// the built CLI reads them: precedence, `fleet config --explain`, errors naming file:line.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const FLEET = path.resolve('bin/fleet');

let root: string;
let home: string;
let project: string;
let sub: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-config-'));
  home = path.join(root, 'home');
  project = path.join(root, 'project');
  sub = path.join(project, 'deep', 'sub');
  await mkdir(path.join(home, '.config', 'fleet'), { recursive: true });
  await mkdir(sub, { recursive: true });
  // One host on a port where nothing listens: a run fails fast (exit 3) without any server.
  await writeFile(path.join(project, 'hosts.yaml'), 'hosts:\n  dead: {host: 127.0.0.1, port: 9}\n');
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function fleet(args: string[], env: Record<string, string> = {}, cwd = sub): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [FLEET, ...args], { cwd, env: { PATH: process.env['PATH'] ?? '', HOME: home, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const userFile = (): string => path.join(home, '.config', 'fleet', 'config.yaml');
const projectFile = (): string => path.join(project, 'fleet.yaml');

interface ExplainDoc {
  settings: Array<{ key: string; value: unknown; source: string }>;
}
const sourceOf = (doc: ExplainDoc, key: string): [unknown, string] => {
  const s = doc.settings.find((x) => x.key === key);
  return [s?.value, s?.source ?? ''];
};

describe('config files', () => {
  it('precedence: command line > FLEET_* > project fleet.yaml (found from a subdirectory) > user config.yaml > built-in', async () => {
    await writeFile(userFile(), 'forks: 7\ntimeout: 30s\ndeadline: 5m\noutput: group\n');
    await writeFile(projectFile(), '# the team\'s defaults\nforks: 20\ntimeout: 1m\ninventory: hosts.yaml\npersist: 10m\n');
    const result = await fleet(['config', '--json', '--output', 'jsonl'], { FLEET_TIMEOUT: '2m' });
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as ExplainDoc;
    expect(sourceOf(doc, 'output')).toEqual(['jsonl', '--output']);
    expect(sourceOf(doc, 'timeout')).toEqual(['2m', 'FLEET_TIMEOUT']);
    expect(sourceOf(doc, 'forks')).toEqual(['20', `${projectFile()}:2`]);
    expect(sourceOf(doc, 'inventory')).toEqual([[path.join(project, 'hosts.yaml')], `${projectFile()}:4`]);
    expect(sourceOf(doc, 'persist')).toEqual(['10m', `${projectFile()}:5`]);
    expect(sourceOf(doc, 'deadline')).toEqual(['5m', `${userFile()}:3`]);
    expect(sourceOf(doc, 'connect_timeout')).toEqual([null, 'built-in']);
  });

  it('--explain prints each setting, its value and where it came from, and the files read', async () => {
    await writeFile(userFile(), 'forks: 7\n');
    await writeFile(projectFile(), 'output: stream\n');
    const result = await fleet(['config', '--explain', '-f', '3']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^SETTING\s+VALUE\s+SOURCE$/m);
    expect(result.stdout).toMatch(/^forks\s+3\s+--forks$/m);
    expect(result.stdout).toMatch(new RegExp(`^output\\s+stream\\s+${projectFile().replace(/[.]/g, '\\.')}:1$`, 'm'));
    expect(result.stdout).toMatch(/^connect_timeout\s+10s\s+built-in$/m);
    expect(result.stdout).toContain(`user file:    ${userFile()}`);
    expect(result.stdout).toContain(`project file: ${projectFile()}`);
  });

  it('XDG_CONFIG_HOME moves the user file', async () => {
    const xdg = path.join(root, 'xdg');
    await mkdir(path.join(xdg, 'fleet'), { recursive: true });
    await writeFile(path.join(xdg, 'fleet', 'config.yaml'), 'deadline: 9m\n');
    const doc = JSON.parse((await fleet(['config', '--json'], { XDG_CONFIG_HOME: xdg })).stdout) as ExplainDoc;
    expect(sourceOf(doc, 'deadline')).toEqual(['9m', `${path.join(xdg, 'fleet', 'config.yaml')}:1`]);
  });

  it('a run takes its inventory and output from fleet.yaml when no flag says otherwise', async () => {
    await writeFile(userFile(), '');
    await writeFile(projectFile(), 'inventory: hosts.yaml\noutput: json\nconnect_timeout: 3s\n');
    const result = await fleet(['exec', 'true']);
    expect(result.code).toBe(3);
    const doc = JSON.parse(result.stdout) as { hosts: Array<{ host: string; error: { code: string } }> };
    expect(doc.hosts.map((h) => [h.host, h.error.code])).toEqual([['dead', 'FLEET_CONNECT_REFUSED']]);
    // A flag still wins over the file.
    const stream = await fleet(['exec', 'true', '--output', 'stream']);
    expect(stream.stdout).toBe('');
    expect(stream.stderr).toMatch(/dead.*FLEET_CONNECT_REFUSED/);
  });

  it('an unknown key or a bad value is exit 2 naming file:line; a bad FLEET_* value names the variable', async () => {
    await writeFile(userFile(), '');
    await writeFile(projectFile(), 'forks: 20\n\nfrks: 3\n');
    const unknown = await fleet(['exec', 'true']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`${projectFile()}:3: unknown key "frks"`);
    await writeFile(projectFile(), 'forks: 20\ntimeout: soon\n');
    const bad = await fleet(['config']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`timeout (${projectFile()}:2)`);
    await writeFile(projectFile(), '');
    const env = await fleet(['exec', 'true'], { FLEET_FORKS: '0' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('FLEET_FORKS');
  });
});

describe('config files and ad-hoc hosts', () => {
  it('-H alone ignores the inventory a config file names', async () => {
    await writeFile(userFile(), '');
    await writeFile(projectFile(), 'inventory: hosts.yaml\n');
    const result = await fleet(['hosts', '-H', 'only1', '--json']);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { hosts: Array<{ name?: string; host?: string }> }).hosts.map((h) => h.name ?? h.host)).toEqual(['only1']);
  });
});
