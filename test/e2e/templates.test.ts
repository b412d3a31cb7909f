// Per-host values in commands and remote paths: `fleet exec 'echo {{ host }} {{ vars.color }}'`,
// put/get to `/tmp/{{ host }}/...`, and inventory vars in steps files, on the local sshd lab.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';

const run = promisify(execFile);
const FLEET = path.resolve('bin/fleet');

let lab: Lab;
let home: string;
let inventory: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 2, name: 'e2e-templates' });
  home = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-templates-'));
  // lab001 has vars and labels; lab002 has neither (the "missing variable" host).
  const text = (await readFile(lab.inventoryFile, 'utf8'))
    .replace(/^( {2}lab001: \{.*)\}$/m, "$1, vars: {color: \"it's red\", app: {port: 8080}}, labels: {role: web}}")
    .trimEnd();
  inventory = path.join(home, 'hosts.yaml');
  await writeFile(inventory, `${text}\ngroups:\n  web: {hosts: [lab001]}\n  all_lab: {hosts: ['lab*']}\n`);
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

async function fleet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [FLEET, ...args, '--ssh-config', '/dev/null'], { cwd: home, env: { PATH: process.env['PATH'], HOME: home } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface JsonHost {
  host: string;
  status: string;
  stdout: string;
  error: { code: string; message: string } | null;
}
const hostsOf = (stdout: string): JsonHost[] => (JSON.parse(stdout) as { hosts: JsonHost[] }).hosts;

describe('fleet exec with per-host values', () => {
  it('fills host, address, port, user, groups, vars and labels per host, shell-quoted', async () => {
    const result = await fleet(['exec', 'printf "%s|" {{ host }} {{ address }} {{ port }} {{ user }} {{ groups }} {{ vars.color }} {{ vars.app.port }} {{ labels.role }}', '-i', inventory, '-l', 'lab001', '--output', 'json']);
    expect(result.code).toBe(0);
    const [one] = hostsOf(result.stdout);
    const address = lab.hosts[0]?.address;
    // "it's red" arrives as one word with its quote intact: the value was quoted, not spliced in.
    expect(one?.stdout).toBe(`lab001|${address}|22|root|all_lab,web|it's red|8080|web|`);
  });

  it('a host without the variable fails alone with FLEET_TEMPLATE_UNDEFINED naming it (exit 3); the other runs', async () => {
    const result = await fleet(['exec', 'echo {{ vars.color }}', '-i', inventory, '--output', 'json']);
    expect(result.code).toBe(3);
    const [one, two] = hostsOf(result.stdout);
    expect(one).toMatchObject({ host: 'lab001', status: 'ok', stdout: "it's red\n" });
    expect(two).toMatchObject({ host: 'lab002', status: 'error', error: { code: 'FLEET_TEMPLATE_UNDEFINED' } });
    expect(two?.error?.message).toContain('{{ vars.color }}');
  });

  it('| raw inserts the value as shell syntax; a command without {{ runs exactly as written', async () => {
    const raw = await fleet(['exec', 'X={{ host | raw }}suffix; echo "$X"', '-i', inventory, '-l', 'lab001', '--output', 'json']);
    expect(hostsOf(raw.stdout)[0]?.stdout).toBe('lab001suffix\n');
    const plain = await fleet(['exec', "echo '\\{x}' '{{.Names}}'", '-i', inventory, '-l', 'lab001', '--output', 'json']);
    expect(hostsOf(plain.stdout)[0]?.stdout).toBe('\\{x} {{.Names}}\n');
    const escaped = await fleet(['exec', "echo '\\{{ host }}'", '-i', inventory, '-l', 'lab001', '--output', 'json']);
    expect(hostsOf(escaped.stdout)[0]?.stdout).toBe('{{ host }}\n');
  });

  it('an unknown filter is a usage error before any connection (exit 2)', async () => {
    const result = await fleet(['exec', 'echo {{ host | upper }}', '-i', inventory]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown filter "upper"/);
  });
});

describe('put and get with per-host remote paths', () => {
  it('put to /tmp/{{ host }}-{{ labels.role }}.txt, then get it back from the same per-host path', async () => {
    const src = path.join(home, 'payload.txt');
    await writeFile(src, 'payload\n');
    const put = await fleet(['put', src, '/tmp/{{ host }}-{{ labels.role }}.txt', '-i', inventory, '-l', 'lab001', '--output', 'json']);
    expect(put.code).toBe(0);
    const check = await fleet(['exec', 'cat /tmp/lab001-web.txt', '-i', inventory, '-l', 'lab001', '--output', 'json']);
    expect(hostsOf(check.stdout)[0]?.stdout).toBe('payload\n');
    const dest = path.join(home, 'got');
    await mkdir(dest);
    const get = await fleet(['get', '/tmp/{{ host }}-{{ labels.role }}.txt', dest, '-i', inventory, '-l', 'lab001', '--output', 'json']);
    expect(get.code).toBe(0);
    expect(await readFile(path.join(dest, 'lab001', 'lab001-web.txt'), 'utf8')).toBe('payload\n');
  });
});

describe('fleet run with inventory vars', () => {
  it('steps may use {{ vars.X }} and {{ labels.X }}; a host without one fails that step', async () => {
    const steps = path.join(home, 'steps.yaml');
    await writeFile(steps, 'steps:\n  - exec: echo color={{ vars.color }} role={{ labels.role }} on {{ host }}\n');
    const result = await fleet(['run', steps, '-i', inventory, '--output', 'stream']);
    expect(result.stdout).toContain("lab001 | color=it's red role=web on lab001");
    expect(result.stderr).toMatch(/lab002.*FLEET_TEMPLATE_UNDEFINED/);
    expect(result.code).toBe(3);
  });
});
