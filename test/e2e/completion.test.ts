// `fleet completion bash|zsh|fish`, run in the real shells: the script is sourced and its
// completion function is called the way the shell calls it (COMP_WORDS/COMP_CWORD for bash,
// `complete -C` for fish), with host and group names coming from the inventory through the
// built CLI (`fleet __complete hosts`).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const FLEET = path.resolve('bin/fleet');

let dir: string;
let inventory: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-e2e-completion-'));
  inventory = path.join(dir, 'hosts.yaml');
  await writeFile(inventory, 'hosts:\n  web01: {}\n  web02: {}\n  db1: {}\ngroups:\n  web: {hosts: ["web*"]}\n  prod: {children: [web]}\n');
  // `fleet` on PATH, as after an install.
  await symlink(FLEET, path.join(dir, 'fleet'));
  env = { PATH: `${dir}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir };
  for (const shell of ['bash', 'zsh', 'fish']) {
    await writeFile(path.join(dir, `fleet.${shell}`), (await run(process.execPath, [FLEET, 'completion', shell], { env })).stdout);
  }
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** COMPREPLY after calling the bash completion function on `line` (the cursor at its end). */
async function bashComplete(words: string[]): Promise<string[]> {
  const script = `source ${path.join(dir, 'fleet.bash')}
COMP_WORDS=(${words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_fleet
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', script], { cwd: dir, env });
  return stdout.split('\n').filter((l) => l !== '');
}

describe('bash completion', () => {
  it('registers _fleet for fleet', async () => {
    const { stdout } = await run('bash', ['--norc', '-c', `source ${path.join(dir, 'fleet.bash')}; complete -p fleet`], { env });
    expect(stdout.trim()).toBe('complete -o default -F _fleet fleet');
  });

  it('completes subcommands, nested subcommands and options', async () => {
    expect(await bashComplete(['fleet', 'h'])).toEqual(['hosts', 'hostkeys']);
    expect(await bashComplete(['fleet', 'hostkeys', ''])).toEqual(['scan', 'accept']);
    expect(await bashComplete(['fleet', 'exec', '--ti'])).toEqual(['--timeout']);
    expect(await bashComplete(['fleet', 'put', '-r', '--sk'])).toEqual(['--skip-unchanged']);
    expect(await bashComplete(['fleet', 'exec', '--output', 'j'])).toEqual(['json', 'jsonl']);
    expect(await bashComplete(['fleet', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes host and group names for -l from the -i inventory, after a pattern separator too', async () => {
    expect(await bashComplete(['fleet', 'exec', '-i', inventory, '-l', ''])).toEqual(['web01', 'web02', 'db1', 'prod', 'web']);
    expect(await bashComplete(['fleet', 'exec', '-i', inventory, '--limit', 'we'])).toEqual(['web01', 'web02', 'web']);
    expect(await bashComplete(['fleet', 'ping', '-i', inventory, '-l', 'prod:&w'])).toEqual(['prod:&web01', 'prod:&web02', 'prod:&web']);
    expect(await bashComplete(['fleet', 'ping', '-i', inventory, '-l', 'web,!d'])).toEqual(['web,!db1']);
  });

  it('without -i, names come from the default inventory search (./hosts.yaml)', async () => {
    expect(await bashComplete(['fleet', 'hosts', '-l', 'd'])).toEqual(['db1']);
  });
});

describe.skipIf(!existsSync('/usr/bin/zsh'))('zsh completion', () => {
  it('loads through bashcompinit and yields the inventory names', async () => {
    // zsh runs the bash function in sh emulation (bashcompinit's compgen -F); outside a live
    // completion zsh's compgen does not filter by prefix, so ask for every name.
    const script = `source ${path.join(dir, 'fleet.zsh')}
emulate sh -c 'COMP_WORDS=(fleet exec -i ${inventory} -l ""); COMP_CWORD=5; cur=""; _fleet_patterns -i ${inventory}; print -l -- "\${COMPREPLY[@]}"'`;
    const { stdout } = await run('zsh', ['-f', '-c', script], { cwd: dir, env });
    expect(stdout.split('\n').filter((l) => l !== '')).toEqual(['web01', 'web02', 'db1', 'prod', 'web']);
  });
});

describe.skipIf(!existsSync('/usr/bin/fish'))('fish completion', () => {
  it('completes subcommands, options and -l names', async () => {
    const complete = async (line: string): Promise<string[]> => {
      const { stdout } = await run('fish', ['--no-config', '-c', `source ${path.join(dir, 'fleet.fish')}; complete -C '${line}'`], { cwd: dir, env });
      return stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0] ?? '');
    };
    expect(await complete('fleet ho')).toEqual(['hostkeys', 'hosts']);
    expect(await complete('fleet exec --conn')).toEqual(['--connect-timeout']);
    expect((await complete(`fleet exec -i ${inventory} -l `)).sort()).toEqual(['db1', 'prod', 'web', 'web01', 'web02']);
  });
});
